"""Screen names of channels, delivery states and skip reasons (English ids, translated)."""

from __future__ import annotations

from bedside.core.i18n import N_

CHANNEL_LABELS = {"inbox": N_("In-app"), "sms": N_("SMS"), "wechat": N_("WeChat"), "log": N_("Log (demo)")}
STATE_LABELS = {
    "pending": N_("Waiting to send"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "skipped": N_("Not sent"),
}
SKIP_LABELS = {
    "opted_out": N_("turned off by the account holder"),
    "template_disabled": N_("template switched off"),
    "channel_disabled": N_("channel switched off"),
    "no_address": N_("no phone number or WeChat bound"),
}
