"""Words for realistic customer messages: several languages and scripts, emoji, order numbers, product names.

Pure data plus one fast text builder. Product names carry the search benchmark: their weights make some common
("bread", about one message in twelve) and some rare ("sourdough", about one in a hundred), like a real shop.
"""

from __future__ import annotations

import random

# fmt: off
FIRST_NAMES = (
    'Anna', 'Maya', 'Tomasz', 'Lucía', 'Kenji', 'Aisha', 'Gareth', 'Sophie', 'Ole', 'Fatima', 'Deepak', 'Jürgen',
    'Zoë', 'Søren', 'Łukasz', 'José', 'Ayşe', 'Ольга', 'Дмитрий', 'محمد', 'فاطمة', '李伟', '王芳', 'さくら', 'ゆうき',
    'Chloé', 'Björn', 'Nguyễn', 'Priya', 'Oluwaseun', 'Ingrid', 'Mateo', 'Élodie', 'Giulia', 'Hamza', 'Noor',
    'Kai',
)
LAST_NAMES = (
    'Berg', 'Okafor', 'Wiśniewski', 'Ferraro', 'Matsuda', 'Bello', 'Rhys', 'Andersen', 'El Idrissi', 'Nair',
    'Müller', 'Østergaard', 'Kowalski', 'García', 'Yılmaz', 'Иванова', 'Смирнов', '', '', 'Tanaka', 'Dubois',
    'Lindqvist', 'Van', 'Sharma', 'Adeyemi', 'Rossi', 'Haddad', 'Schneider', 'Costa', 'Novák',
)
NAME_EMOJI = (
    '', '', '', '', '', ' 🌻', ' 🍜', ' ✨', ' 🇩🇪', ' 🐶', ' ☕',
)

# (word, weight): weights are relative; the benchmark searches for one of the rarer ones.
PRODUCTS = (
    ('bread', 30), ('cake', 22), ('croissant', 14), ('coffee', 14), ('order', 30), ('cookies', 9), ('bagel', 7),
    ('brioche', 5), ('sourdough', 4), ('baguette', 5), ('muffin', 5), ('tart', 4), ('scone', 3), ('strudel', 2),
    ('focaccia', 2), ('macarons', 2), ('pretzel', 2), ('cinnamon', 3), ('gluten', 3), ('vegan', 3),
)
EMOJI = (
    '😊', '🙏', '😡', '🎂', '🥐', '❤️', '👍', '😅', '🤔', '🔥', '💯', '🥖', '☕', '😢', '🎉', '👀',
)
DAYS = (
    'Monday', 'Tuesday', 'Friday', 'Saturday', 'Sunday', 'tomorrow', 'today', 'next week',
)
# fmt: on

# Sentences by language; {p} a product, {o} an order number, {d} a day, {e} an emoji.
SENTENCES = {
    "en": (
        "Hi, do you still have the {p} today? {e}",
        "My order #{o} has not arrived yet, can you check?",
        "The {p} was amazing, thank you so much {e}",
        "Can I pick up my {p} on {d} before 9?",
        "I was charged twice for order #{o}. Please refund one.",
        "Do you deliver to the old town? Asking for {d}.",
        "Is the {p} made without nuts? My son is allergic.",
        "WHY is the shop closed on {d}?? Nobody answers the phone {e}",
        "Could you make a birthday {p} for 12 people?",
        "Love your {p}, best in town {e}{e}",
        "Any chance of a discount for a big {p} order?",
        "The {p} I bought yesterday was stale. Not happy.",
    ),
    "de": (
        "Hallo, habt ihr am {d} noch {p}? {e}",
        "Meine Bestellung #{o} ist noch nicht da. Könnt ihr nachsehen?",
        "Der {p} war köstlich, vielen Dank! {e}",
        "Kann ich die Torte für 20 Personen vorbestellen?",
        "Warum ist der Laden heute geschlossen? Ärgerlich.",
    ),
    "fr": (
        "Bonjour, est-ce qu'il reste du {p} pour {d} ? {e}",
        "Ma commande #{o} n'est toujours pas arrivée, pouvez-vous vérifier ?",
        "Le {p} était délicieux, merci beaucoup ! {e}",
        "Vous faites des gâteaux sans gluten ? Pour une fête.",
    ),
    "es": (
        "Hola, ¿tenéis {p} sin gluten el {d}? {e}",
        "Mi pedido #{o} todavía no ha llegado, ¿podéis revisarlo?",
        "¡El {p} estaba buenísimo! Gracias {e}",
    ),
    "it": (
        "Ciao, avete ancora il {p} oggi? {e}",
        "Il mio ordine #{o} non è ancora arrivato.",
    ),
    "nl": ("Hoi, hebben jullie morgen nog {p}? {e}", "Mijn bestelling #{o} is nog niet binnen."),
    "pt": ("Olá, ainda têm {p} para {d}? {e}", "A minha encomenda #{o} ainda não chegou."),
    "pl": ("Dzień dobry, czy jest jeszcze {p} na {d}? {e}", "Moje zamówienie #{o} jeszcze nie dotarło."),
    "tr": ("Merhaba, yarın için {p} var mı? {e}", "#{o} numaralı siparişim hâlâ gelmedi."),
    "ru": ("Здравствуйте, а {p} ещё есть на {d}? {e}", "Мой заказ #{o} до сих пор не пришёл."),
    "ar": ("مرحبا، هل لديكم {p} اليوم؟ {e}", "طلبي رقم #{o} لم يصل بعد."),
    "ja": ("こんにちは、{p}はまだありますか？{e}", "注文 #{o} がまだ届いていません。"),
    "zh": ("你好，今天还有{p}吗？{e}", "我的订单 #{o} 还没到。"),
}
LANGUAGE_WEIGHTS = {
    "en": 55, "de": 9, "fr": 7, "es": 6, "it": 3, "nl": 3, "pt": 3, "pl": 2, "tr": 2, "ru": 3, "ar": 2, "ja": 3,
    "zh": 2,
}  # fmt: skip

SHOP_REPLIES = (
    "Thanks for your message! We'll check order #{o} right away.",
    "Hi! Yes, we have {p} until we sell out, usually around noon {e}",
    "So sorry about that. Please send us your order number by private message.",
    "Thank you, that made our day {e}",
    "We're open {d} from 8 to 18. See you soon!",
    "Danke für die Nachricht! Wir melden uns gleich.",
    "Merci ! Nous vérifions la commande #{o} tout de suite.",
)


class TextMaker:
    """Builds message texts fast: precomputed flat choice lists instead of weighted sampling per call."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._products = [word for word, weight in PRODUCTS for _ in range(weight)]
        self._sentences = [
            sentence
            for language, weight in LANGUAGE_WEIGHTS.items()
            for sentence in SENTENCES[language]
            for _ in range(max(1, weight // len(SENTENCES[language])))
        ]

    def customer_text(self) -> str:
        count = 1 if self._rng.random() < 0.7 else 2
        return " ".join(self._fill(self._rng.choice(self._sentences)) for _ in range(count))

    def shop_text(self) -> str:
        return self._fill(self._rng.choice(SHOP_REPLIES))

    def person(self) -> tuple[str, str]:
        """(handle, display name) of a new customer."""
        first, last = self._rng.choice(FIRST_NAMES), self._rng.choice(LAST_NAMES)
        name = f"{first} {last}".strip() + self._rng.choice(NAME_EMOJI)
        handle = f"{_ascii(first)}{_ascii(last)}{self._rng.randrange(10_000)}".lower()
        return handle, name

    def _fill(self, sentence: str) -> str:
        rng = self._rng
        return sentence.format(
            p=rng.choice(self._products), o=rng.randrange(10_000, 99_999), d=rng.choice(DAYS), e=rng.choice(EMOJI)
        )


def _ascii(word: str) -> str:
    plain = "".join(ch for ch in word if ch.isascii() and ch.isalnum())
    return plain or "user"
