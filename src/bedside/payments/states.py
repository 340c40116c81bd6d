"""Payment order and refund lifecycles."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class PaymentState(StrEnum):
    CREATED = "created"
    PAYING = "paying"
    PAID = "paid"
    FAILED = "failed"
    CLOSED = "closed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


PAYMENT_TRANSITIONS: dict[tuple[PaymentState, str], PaymentState] = {
    (PaymentState.CREATED, "start"): PaymentState.PAYING,
    (PaymentState.CREATED, "close"): PaymentState.CLOSED,
    # The channel refused at once (bad payment code, declined card).
    (PaymentState.CREATED, "fail"): PaymentState.FAILED,
    (PaymentState.PAYING, "pay"): PaymentState.PAID,
    # The create call's answer was lost (timeout after WeChat made the trade) and the payer
    # paid anyway: a query or notification finds the money, which must not be ignored.
    (PaymentState.CREATED, "pay"): PaymentState.PAID,
    (PaymentState.PAYING, "fail"): PaymentState.FAILED,
    (PaymentState.PAYING, "close"): PaymentState.CLOSED,
    # Money that arrives after the order was closed is still recorded (then refunded).
    (PaymentState.CLOSED, "pay_late"): PaymentState.PAID,
    (PaymentState.FAILED, "pay_late"): PaymentState.PAID,
    (PaymentState.PAID, "refund_part"): PaymentState.PARTIALLY_REFUNDED,
    (PaymentState.PAID, "refund_all"): PaymentState.REFUNDED,
    (PaymentState.PARTIALLY_REFUNDED, "refund_part"): PaymentState.PARTIALLY_REFUNDED,
    (PaymentState.PARTIALLY_REFUNDED, "refund_all"): PaymentState.REFUNDED,
}
PAYMENT_MACHINE: Machine[PaymentState] = Machine("payment", PAYMENT_TRANSITIONS)


class RefundState(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REJECTED = "rejected"


REFUND_TRANSITIONS: dict[tuple[RefundState, str], RefundState] = {
    (RefundState.PENDING_APPROVAL, "approve"): RefundState.PROCESSING,
    (RefundState.PENDING_APPROVAL, "reject"): RefundState.REJECTED,
    (RefundState.PROCESSING, "succeed"): RefundState.SUCCEEDED,
    (RefundState.PROCESSING, "fail"): RefundState.FAILED,
    (RefundState.FAILED, "retry"): RefundState.PROCESSING,
}
REFUND_MACHINE: Machine[RefundState] = Machine("refund", REFUND_TRANSITIONS)


class Purpose(StrEnum):
    DEPOSIT = "deposit"
    TOPUP = "topup"
    SUPPLEMENTARY = "supplementary_payment"
    RECORD_COPY = "record_copy"
    # Paid to a care vendor: passes the deposit account at net zero, booked in companion care.
    COMPANION_CARE = "companion_care"


class Channel(StrEnum):
    WECHAT = "wechat"
    ALIPAY = "alipay"
    UNIONPAY = "unionpay"
    CASH = "cash"
    INSURANCE = "insurance_account"


class RefundRoute(StrEnum):
    ORIGINAL = "original"
    STAFFED_WINDOW = "staffed_window"
    BANK_TRANSFER = "bank_transfer"
