"""What one piece of incoming feedback carries, and reading the values channels send us."""

import re
from dataclasses import dataclass, field
from datetime import datetime

MAX_BODY = 20_000
MAX_TITLE = 300
MAX_NAME = 200
MAX_EXTERNAL_ID = 200
MAX_TAGS = 20
MAX_ITEMS_PER_CALL = 1_000


@dataclass(frozen=True)
class IntakeItem:
    """One piece of feedback as a channel hands it in, before it is stored."""

    body: str
    title: str = ""
    email: str = ""
    name: str = ""
    external_id: str = ""
    received_at: datetime | None = None  # None: now for a new item, unchanged for a known one
    account_external_id: str = ""
    account_name: str = ""
    account_domain: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    product_area: str = ""
    rating: int | None = None  # 1-5 stars; None: the channel does not say (a known item keeps its)
    status: str = "new"  # "spam" when the web form's guard caught it


# Addresses anyone can get: their domain says nothing about the company, so it never makes an
# account (a gmail.com "account" would gather every private sender together).
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.es yahoo.it
    yahoo.co.jp yahoo.com.br ymail.com rocketmail.com hotmail.com hotmail.co.uk hotmail.fr
    hotmail.de hotmail.es hotmail.it outlook.com outlook.fr outlook.de live.com live.co.uk
    live.fr msn.com icloud.com me.com mac.com aol.com proton.me protonmail.com pm.me gmx.com
    gmx.de gmx.net gmx.at web.de t-online.de freenet.de yandex.com yandex.ru mail.ru
    inbox.ru list.ru bk.ru qq.com 163.com 126.com sina.com zoho.com fastmail.com
    fastmail.fm hey.com tutanota.com tuta.io mail.com email.com inbox.com comcast.net
    verizon.net att.net sbcglobal.net btinternet.com sky.com virginmedia.com orange.fr
    free.fr laposte.net sfr.fr wanadoo.fr libero.it virgilio.it alice.it seznam.cz
    wp.pl o2.pl interia.pl naver.com hanmail.net rediffmail.com example.com
    """.split()
)


def normalise_domain(value: str) -> str:
    """ "https://www.Acme.com/about" -> "acme.com"."""
    domain = value.strip().lower()
    domain = re.sub(r"^[a-z]+://", "", domain).split("/")[0].split("@")[-1].split(":")[0]
    return domain.removeprefix("www.").strip(".")


def company_domain(email: str) -> str:
    """The email's domain when it names a company; "" for free-mail addresses."""
    if "@" not in email:
        return ""
    domain = normalise_domain(email.rsplit("@", 1)[1])
    return "" if domain in FREE_MAIL_DOMAINS else domain


def name_from_domain(domain: str) -> str:
    """ "acme-robotics.io" -> "Acme Robotics": a readable account name until the CRM says."""
    label = domain.split(".")[0] if domain else ""
    return " ".join(part.capitalize() for part in re.split(r"[-_]", label) if part) or domain
