"""A simulator for every module kind, steered from the agent's control page and API.

Readers hand out the demo card placed on them, the scanner the next queued text; printers
write what they are sent to the output folder (ESC/POS .bin, PDF .pdf, ZPL .zpl, named by
time and sequence number) and use up paper, toner, wristbands and seal ink; the stamper
records its impressions next to the last PDF; the cash acceptor stacks notes "inserted" on
the control page; the PIN pad approves the demo PIN. Any fault a module can have can be
injected and cleared, so the kiosk pages' error paths can be shown and tested.
"""

from __future__ import annotations

from pathlib import Path

from bedside.kiosk_agent.drivers import Devices, EventBus, LaserPrinter, ReceiptPrinter, WristbandPrinter
from bedside.kiosk_agent.simulators.base import (
    DEMO_CARD_NUMBER,
    DEMO_ID_CARDS,
    DEMO_PIN,
    DENOMINATIONS_FEN,
    INJECTABLE,
    LOW_PERCENT,
    OutputFolder,
    SimulatedModule,
    percent,
)
from bedside.kiosk_agent.simulators.camera import Person, SimCamera, SimFaceMatcher, frame_subject
from bedside.kiosk_agent.simulators.cash import SimCashAcceptor
from bedside.kiosk_agent.simulators.printing import (
    CUT_MM,
    LINE_MM,
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    SimLaserPrinter,
    SimReceiptPrinter,
    SimStamper,
    SimWristbandPrinter,
    receipt_length_mm,
)
from bedside.kiosk_agent.simulators.readers import (
    SimCardReader,
    SimIdReader,
    SimPinPad,
    SimScanner,
    mask_card,
)


def simulated_devices(
    output_dir: Path,
    *,
    bus: EventBus | None = None,
    demo_pin: str = DEMO_PIN,
    receipt_printer: ReceiptPrinter | None = None,
    laser_printer: LaserPrinter | None = None,
    wristband_printer: WristbandPrinter | None = None,
) -> Devices:
    """Every module simulated except the printers passed in (real backends, built on the
    same bus). The stamper stays simulated and stamps whatever the laser printer printed last."""
    bus = bus or EventBus()
    folder = OutputFolder(output_dir)
    id_reader = SimIdReader(bus)
    laser = laser_printer or SimLaserPrinter(bus, folder)
    return Devices(
        bus=bus,
        id_reader=id_reader,
        card_reader=SimCardReader(bus),
        scanner=SimScanner(bus),
        pin_pad=SimPinPad(bus, demo_pin),
        receipt_printer=receipt_printer or SimReceiptPrinter(bus, folder),
        laser_printer=laser,
        wristband_printer=wristband_printer or SimWristbandPrinter(bus, folder),
        stamper=SimStamper(bus, folder, laser),
        cash_acceptor=SimCashAcceptor(bus),
        camera=SimCamera(bus, id_reader),
        face_matcher=SimFaceMatcher(),
    )


__all__ = [
    "CUT_MM",
    "DEMO_CARD_NUMBER",
    "DEMO_ID_CARDS",
    "DEMO_PIN",
    "DENOMINATIONS_FEN",
    "INJECTABLE",
    "LINE_MM",
    "LOW_PERCENT",
    "OutputFolder",
    "PAGE_HEIGHT_MM",
    "PAGE_WIDTH_MM",
    "Person",
    "SimCamera",
    "SimCardReader",
    "SimCashAcceptor",
    "SimFaceMatcher",
    "SimIdReader",
    "SimLaserPrinter",
    "SimPinPad",
    "SimReceiptPrinter",
    "SimScanner",
    "SimStamper",
    "SimWristbandPrinter",
    "SimulatedModule",
    "frame_subject",
    "mask_card",
    "percent",
    "receipt_length_mm",
    "simulated_devices",
]
