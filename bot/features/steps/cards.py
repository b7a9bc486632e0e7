"""What a proposer sees: the status card of each proposal, and the news of each change."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat import callbacks
from bot.chat.labels import short
from bot.features.steps.rounds import Change
from bot.i18n import N_, Translate, local_date, resolve_language, translator
from bot.outbox import Outbox
from bot.services import Services
from bot.storage.models import Reply, StoredReply
from bot.storage.repositories.proposals import Proposal

STATUS_NAMES = {
    "pending": N_("sent for review"),
    "approved": N_("approved"),
    "merged": N_("merged with a similar proposal"),
    "rejected": N_("not approved"),
    "shortlisted": N_("shortlisted"),
    "action": N_("became an action of the pilot"),
    "started": N_("the action has started"),
    "done": N_("the action is done"),
}


def card_text(_: Translate, proposal: Proposal, history: list[tuple[str, str]], lang: str) -> str:
    """The status card: the proposal, and every change so far with its day."""
    lines = [
        _("Your proposal #{number}: “{text}”").format(number=proposal.id, text=proposal.text),
        "",
        _("What happened to it:"),
    ]
    lines += [f"• {local_date(at, lang)}: {_(STATUS_NAMES[status])}" for status, at in history]
    if proposal.merged_into is not None:
        lines.append(
            _("It now continues as proposal #{number}.").format(number=proposal.merged_into)
        )
    return "\n".join(lines)


def why_markup(
    services: Services, _: Translate, chat_id: int, proposal: Proposal
) -> InlineKeyboardMarkup | None:
    """A "why?" button when the coordinator wrote a reason (signed for the proposer)."""
    if not proposal.reason:
        return None
    data = callbacks.encode(services.button_key, chat_id, "why", str(proposal.id))
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("Why?"), callback_data=data)]])


async def notices(services: Services, change: Change) -> list[Reply]:
    """The proposer's card edited in place, and one new short message: "you said, we did".

    Nothing for a proposal entered on paper, an erased author, or a blocked chat.
    """
    proposal = change.proposal
    if proposal.pseudonym is None:
        return []
    recipient = await services.proposals.recipient(proposal.pseudonym)
    if recipient is None:
        return []
    language = resolve_language(recipient.language, None, services.settings.default_language)
    _ = translator(language)
    markup = why_markup(services, _, recipient.chat_id, proposal)
    keyboard = {"reply_markup": markup.to_dict()} if markup else {}
    news = _("News about your proposal #{number} “{text}”: {status}.").format(
        number=proposal.id, text=short(proposal.text), status=_(STATUS_NAMES[change.status])
    )
    replies = []
    if proposal.card_message_id is not None:
        history = await services.proposals.history(proposal.id)
        text = card_text(_, proposal, history, language)
        params = {"text": text, "message_id": proposal.card_message_id, **keyboard}
        replies.append(Reply(chat_id=recipient.chat_id, kind="edit", params=params))
    replies.append(Reply(chat_id=recipient.chat_id, kind="send", params={"text": news, **keyboard}))
    return replies


class News:
    """The proposers' news of one update, stored in the decision's own transaction.

    Stored with the decision, a crash after it commits cannot lose the news (the outbox
    sends what is stored after a restart); the coordinator's own reply, stored when the
    update ends, may be lost that way and is harmless to lose.
    """

    def __init__(self, services: Services, outbox: Outbox) -> None:
        self._services = services
        self._outbox = outbox
        self._stored: list[StoredReply] = []

    async def store(self, change: Change) -> None:
        """Inside the decision's transaction: the card's edit and the short message."""
        replies = await notices(self._services, change)
        self._stored += await self._outbox.store_in_transaction(replies)

    def send(self) -> None:
        """Once the decision's transaction has committed (a blocked chat stops nothing)."""
        self._outbox.send_stored(self._stored)
        self._stored = []
