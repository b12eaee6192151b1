"""SMS senders; the port (`SmsSender`) lives in rightful.domain.messaging."""

from rightful.domain.messaging import SmsMessage, SmsSender

__all__ = ["SmsMessage", "SmsSender"]
