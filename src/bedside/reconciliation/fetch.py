"""Getting a day's statement: downloaded through the channel's own client (WeChat Pay v3
`tradebill` + download_url with its SHA1; Alipay `bill.downloadurl.query`), or picked up from a
folder where the files were dropped under the channels' names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bedside.core.errors import DomainError
from bedside.core.i18n import N_
from bedside.payments import registry
from bedside.payments.channels.base import ChannelError


@dataclass(frozen=True)
class Fetched:
    channel: str
    name: str
    data: bytes
    sha1: str | None = None


class NotDownloadable(DomainError):
    status = 503
    code = "statement_not_downloadable"
    message = N_("The channel's statement could not be downloaded; try again later or import the file.")


def download(channel: str, bill_date: date) -> Fetched:
    transport = getattr(registry.get(channel), "transport", None)
    try:
        if channel == "wechat" and hasattr(transport, "tradebill"):
            # The client checks the SHA1 of the uncompressed bill against the signed hash_value.
            text: str = transport.tradebill(bill_date)  # type: ignore[union-attr]
            return Fetched(channel, f"wechat_{bill_date:%Y%m%d}_ALL.csv", text.encode("utf-8"))
        if channel == "alipay" and hasattr(transport, "download_bill"):
            data: bytes = transport.download_bill(bill_date)  # type: ignore[union-attr]
            return Fetched(channel, f"alipay_{bill_date:%Y%m%d}.csv.zip", data)
    except ChannelError as exc:
        raise NotDownloadable() from exc
    raise NotDownloadable()


def pick_up(folder: Path, bill_date: date) -> list[Fetched]:
    """The day's files in `folder`: `wechat_tradebill_*_{yyyymmdd}_ALL.csv.gz` (+ `.sha1`) and
    Alipay's `{account}_{yyyymmdd}.csv.zip`."""
    stamp = f"{bill_date:%Y%m%d}"
    found: list[Fetched] = []
    for path in sorted(folder.glob(f"wechat_tradebill_*_{stamp}_ALL.csv.gz")):
        sha = path.with_suffix(".sha1")
        found.append(
            Fetched("wechat", path.name, path.read_bytes(), sha.read_text().strip() if sha.exists() else None)
        )
    for path in sorted(folder.glob(f"*_{stamp}.csv.zip")):
        found.append(Fetched("alipay", path.name, path.read_bytes()))
    return found
