"""The kiosk's local device agent (`bedside kiosk-agent`).

A kiosk is a full-screen browser showing Bedside's `/kiosk` pages; this agent owns the
hardware (readers, scanner, PIN pad, printers, stamper, cash acceptor, camera) and offers it
to that page over HTTP on 127.0.0.1 only, with Server-Sent Events for what the devices do on
their own (a note stacked, a card inserted, a fault). Every module kind has a driver
interface (`drivers/`) and a simulator (`simulators/`) steered from the agent's control
page, so the whole kiosk can be demonstrated and tested without hardware. The agent reports
its modules' health to the Bedside server every 30 seconds (`telemetry.py`).
"""
