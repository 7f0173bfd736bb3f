"""Codes sent through AWS: SMS by End User Messaging, email by SES.

SMS uses `pinpoint-sms-voice-v2` `SendTextMessage` (a TRANSACTIONAL message from the origination
identity in settings), the API that replaced Amazon Pinpoint's SMS (Pinpoint itself reached end
of support on 30 October 2026). `SendNotifyTextMessage` is the alternative for one-time codes:
AWS owns the sender registration and the template, and the call takes a `NotifyConfigurationId`
and `TemplateVariables` instead of a body and an origination identity; swap it in here if the
account uses Notify. Email uses `sesv2` `SendEmail` from the verified address in settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from services.shared.timestamps import utc_now
from services.user.messaging import message_text
from services.user.verification.domain import Channel, destination_hint

if TYPE_CHECKING:
    from mypy_boto3_pinpoint_sms_voice_v2 import PinpointSMSVoiceV2Client
    from mypy_boto3_sesv2 import SESV2Client

logger = logging.getLogger("services.user.messaging")

# SendTextMessage's TimeToLive bounds, in seconds: a code must not arrive after it expired.
_MIN_TTL_S, _MAX_TTL_S = 5, 259_200
EMAIL_SUBJECT = "Your BNPL verification code"


def _client_config(settings: Settings) -> Config:
    return Config(
        connect_timeout=settings.http_timeout_s,
        read_timeout=settings.http_timeout_s,
        retries={"max_attempts": 2, "mode": "standard"},
    )


class AwsCodeSender:
    """A `CodeSender`: SMS through End User Messaging SMS, email through SES v2."""

    def __init__(
        self,
        settings: Settings,
        *,
        sms: PinpointSMSVoiceV2Client | None = None,
        email: SESV2Client | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if not settings.email_from_address:
            raise ValueError("BNPL_EMAIL_FROM_ADDRESS must be set when BNPL_MESSAGING=aws")
        config = _client_config(settings)
        self._sms = sms or boto3.client(
            "pinpoint-sms-voice-v2", region_name=settings.region, config=config
        )
        self._email = email or boto3.client("sesv2", region_name=settings.region, config=config)
        self._origination = settings.sms_origination_identity
        self._configuration_set = settings.sms_configuration_set
        self._from = settings.email_from_address
        self._clock = clock

    def send(self, channel: Channel, destination: str, code: str, expires_at: datetime) -> None:
        now = self._clock()
        text = message_text(code, expires_at=expires_at, now=now)
        try:
            if channel is Channel.SMS:
                self._send_sms(destination, text, ttl_s=int((expires_at - now).total_seconds()))
            else:
                self._send_email(destination, text)
        except (ClientError, BotoCoreError) as exc:
            reason = (
                exc.response.get("Error", {}).get("Code", "unknown")
                if isinstance(exc, ClientError)
                else type(exc).__name__
            )
            # The masked destination and the provider's error code only: never the code.
            logger.warning(
                "sending a %s code to %s failed: %s",
                channel.value,
                destination_hint(channel, destination),
                reason,
            )
            raise DependencyFailure(
                "The verification code could not be sent; try again later"
            ) from None

    def _send_sms(self, destination: str, text: str, *, ttl_s: int) -> None:
        optional: dict[str, str] = {}
        if self._origination:
            optional["OriginationIdentity"] = self._origination
        if self._configuration_set:
            optional["ConfigurationSetName"] = self._configuration_set
        self._sms.send_text_message(
            DestinationPhoneNumber=destination,
            MessageBody=text,
            MessageType="TRANSACTIONAL",
            TimeToLive=min(max(ttl_s, _MIN_TTL_S), _MAX_TTL_S),
            **optional,  # type: ignore[arg-type]  # TypedDict-free optional keys
        )

    def _send_email(self, destination: str, text: str) -> None:
        assert self._from is not None
        self._email.send_email(
            FromEmailAddress=self._from,
            Destination={"ToAddresses": [destination]},
            Content={
                "Simple": {
                    "Subject": {"Data": EMAIL_SUBJECT, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
                }
            },
        )
