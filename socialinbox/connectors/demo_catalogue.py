"""What the demo bakery's customers say: people, topics and the words they use.

Pure data, read by ``demo.py``. Texts are written as customers write: short, a little uneven, some
angry (capitals, exclamation marks). Placeholders ``{bread}``, ``{pastry}``, ``{day}``, ``{time}`` and ``{order}``
are filled from the pools below so the same topic reads differently each time; every text must
make sense with any value from those pools.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

from socialinbox.domain import Visibility

SHOP_HANDLE = "crumbandco"
SHOP_NAME = "Crumb & Co. Bakery"

PUBLIC = (Visibility.PUBLIC,)
PRIVATE = (Visibility.PRIVATE,)
EITHER = (Visibility.PUBLIC, Visibility.PRIVATE)


class Kind(enum.StrEnum):
    QUESTION = "question"
    COMPLAINT = "complaint"
    PRAISE = "praise"


@dataclasses.dataclass(frozen=True, slots=True)
class Customer:
    handle: str
    name: str
    followers: int | None = None  # None where the (simulated) platform does not say


@dataclasses.dataclass(frozen=True, slots=True)
class Topic:
    key: str
    kind: Kind
    channels: tuple[Visibility, ...]
    texts: tuple[str, ...]
    angry: tuple[str, ...] = ()  # used now and then instead of ``texts``
    weight: float = 1.0  # relative to the other topics of the same kind


CUSTOMERS: tuple[Customer, ...] = (
    Customer("maya.okafor", "Maya Okafor", 214),
    Customer("tomasz_w", "Tomasz Wiśniewski"),
    Customer("eatwithpriya", "Eat With Priya 🍜", 12_400),
    Customer("jon.hale", "Jonathan Hale"),
    Customer("lucia.ferraro", "Lucía Ferraro", 389),
    Customer("kenji.m", "Kenji Matsuda"),
    Customer("aisha_bello", "Aisha Bello", 57),
    Customer("gareth_r", "Gareth Rhys"),
    Customer("sunflowersophie", "Sophie 🌻", 1_020),
    Customer("ole.andersen", "Ole Andersen"),
    Customer("fatima.elidrissi", "Fatima Zahra El Idrissi", 143),
    Customer("deepak.nair", "Deepak Nair"),
    Customer("hannahrose", "Hannah Rose", 88),
    Customer("marco.pizzi", "Marco Pizzi"),
    Customer("linh.tran", "Linh Trần", 302),
    Customer("ciaran.oneill", "Ciarán O'Neill"),
    Customer("bea.runs", "Bea 🏃‍♀️", 2_750),
    Customer("yusuf.demir", "Yusuf Demir"),
    Customer("m.pennington", "Margaret Pennington"),
    Customer("nadia.kowalczyk", "Nadia Kowalczyk", 64),
    Customer("theo_dadof3", "Theo (dad of 3)"),
    Customer("amara.eats", "Amara Nwosu", 4_300),
    Customer("sam.rivera", "Sam Rivera"),
    Customer("ingrid.solberg", "Ingrid Solberg", 129),
    Customer("raj.patel", "Raj Patel"),
    Customer("chloe.dubois", "Chloé Dubois", 512),
    Customer("zhang.wei", "Zhang Wei"),
    Customer("leafyleo", "Leo 🌱", 860),
    Customer("oldtownbooks", "Old Town Bookshop", 1_900),
    Customer("kasia.w", "Kasia W."),
    Customer("emre.yilmaz", "Emre Yılmaz"),
    Customer("ruth.cohen", "Ruth Cohen", 230),
)

BREADS = ("sourdough", "seeded rye", "spelt", "country white")  # each reads well before "loaf"
PASTRIES = ("cinnamon bun", "cardamom knot", "almond croissant", "custard tart", "apple turnover")  # plural: + "s"
DAYS = ("Saturday", "Sunday", "Friday", "Thursday")
TIMES = ("9:30", "10:00", "11:15", "12:30", "2pm")
ORDER_NUMBERS = range(1040, 1300)

QUESTIONS: tuple[Topic, ...] = (
    Topic(
        "hours",
        Kind.QUESTION,
        EITHER,
        (
            "What time do you open on {day}? Want to grab a {pastry} before work.",
            "Hi! Are you open over the bank holiday weekend?",
            "Do you close early on Saturdays? Came by at 4 last week and the shutters were already down.",
            "Are you open on {day} morning? Hoping to pick up breakfast for the team.",
        ),
    ),
    Topic(
        "delivery-area",
        Kind.QUESTION,
        EITHER,
        (
            "Do you deliver to Riverside? It's about 3 km from the shop.",
            "Is Northfield inside your delivery area? Happy to pay a bit extra.",
            "Do you deliver on Sundays or only on weekdays?",
            "What's the minimum order for delivery? Thinking of ordering for an office meeting on {day}.",
        ),
    ),
    Topic(
        "prices",
        Kind.QUESTION,
        EITHER,
        (
            "How much is a {bread} loaf these days?",
            "What would a box of 12 mixed pastries cost? It's for a birthday at work.",
            "Is the price list on your website up to date? It says €2.80 for a croissant, but I paid €3.20 today.",
        ),
    ),
    Topic(
        "allergens",
        Kind.QUESTION,
        EITHER,
        (
            "Do you have anything gluten-free? My daughter is coeliac and she'd love a treat.",
            "Are the almond croissants made in the same kitchen as everything else? Severe nut allergy in our house.",
            "Is the focaccia vegan? No butter or egg wash?",
            "Do you list allergens anywhere? Couldn't find them on the website.",
            "Is there sesame in the {bread}? Asking for my son.",
        ),
        weight=1.3,
    ),
    Topic(
        "custom-cake",
        Kind.QUESTION,
        EITHER,
        (
            "Could you do a birthday cake for about 20 people on {day}? Chocolate, ideally with a dinosaur on it 🦕",
            "Do you take orders for wedding cakes? We're getting married in June, around 80 guests.",
            "Can I order a cake with a photo printed on top? It's for my mum's 70th 🎂",
            "How much notice do you need for a custom cake? Hoping for something by {day}.",
        ),
    ),
    Topic(
        "order-status",
        Kind.QUESTION,
        PRIVATE,
        (
            "Hi, I ordered a cake for pickup on {day} (order #{order}). Just checking it's all on track?",
            "Placed an order online last night (#{order}) but never got a confirmation e-mail. Did it go through?",
            "Quick one: is my order #{order} ready to collect yet? I can come over at {time}.",
            "Hello! Can I still change order #{order}? I'd like to add two more {pastry}s.",
        ),
    ),
)

PRAISE: tuple[Topic, ...] = (
    Topic(
        "praise",
        Kind.PRAISE,
        EITHER,
        (
            "The {pastry} this morning was unreal. Best in town, no contest.",
            "Just want to say the staff on {day} were so lovely with my very loud toddler 🙏",
            "Had a cardamom knot for the first time today. I finally get the hype 😍",
            "The birthday cake was perfect. My son hasn't stopped talking about it. Thank you!",
            "Your sourdough got me through a rough week. That's all. ❤️",
            "New review up on the blog: your {bread} made my top five this year. Go, go now.",
            "Thanks for keeping a loaf aside for me yesterday, you're the best!",
        ),
    ),
)

COMPLAINTS: tuple[Topic, ...] = (
    Topic(
        "burnt-croissants",
        Kind.COMPLAINT,
        PUBLIC,
        (
            "Anyone else get burnt croissants this morning? Ours were black on the bottom.",
            "The croissants today were properly burnt, bitter all the way through. Not like you at all.",
            "Bought a box of six croissants at 8 and every single one was scorched underneath 😞",
            "Not to pile on, but same here: burnt croissants from this morning's batch.",
        ),
        angry=(
            "BURNT croissants at full price?! Did nobody check the batch this morning??",
            "Third person I know who got burnt croissants today. Who is running that oven!!",
        ),
        weight=1.6,
    ),
    Topic(
        "stale-bread",
        Kind.COMPLAINT,
        EITHER,
        (
            "Bought a {bread} loaf yesterday afternoon and it was stale by the time I got home. Was it yesterday's?",
            "The {bread} I picked up on {day} was dry and hard inside. Disappointing for the price.",
        ),
        angry=("Paid full price for a loaf that was STALE. Rock hard. Not ok!!",),
    ),
    Topic(
        "late-delivery",
        Kind.COMPLAINT,
        EITHER,
        (
            "Our delivery was due at {time} and turned up over an hour late. The coffee morning was over by then.",
            "Order #{order} arrived 90 minutes late and nobody let us know. A quick message would have helped.",
        ),
        angry=("ORDER #{order} STILL NOT HERE. Two hours late and nobody answers the phone!!",),
    ),
    Topic(
        "rude-staff",
        Kind.COMPLAINT,
        EITHER,
        (
            "The man at the till was really short with me when I asked about allergens. Didn't feel welcome.",
            "Asked if there were any {pastry}s left and got an eye-roll. I've been coming for years, that stung a bit.",
        ),
        angry=("Never been spoken to so rudely in a shop. Sighed and rolled his eyes at a simple question!!",),
        weight=0.7,
    ),
    Topic(
        "wrong-order",
        Kind.COMPLAINT,
        EITHER,
        (
            "Picked up my cake and it's the wrong one: we asked for lemon, got carrot. The party is in an hour.",
            "Ordered six almond croissants, got six plain ones. Not the end of the world, but a bit disappointing.",
            "Order #{order} was missing the {pastry} I paid for.",
        ),
    ),
    Topic(
        "overcharged",
        Kind.COMPLAINT,
        EITHER,
        (
            "I think I was charged twice this morning: two payments of €6.40 for one coffee and a croissant.",
            "The receipt says €4.20 for the {bread}, but the shelf label said €3.60. Which is right?",
        ),
        angry=("€14 for two pastries and a coffee?! Check your till, this is a rip-off!!",),
        weight=0.8,
    ),
)

TOPICS_BY_KIND: Mapping[Kind, tuple[Topic, ...]] = {
    Kind.QUESTION: QUESTIONS,
    Kind.COMPLAINT: COMPLAINTS,
    Kind.PRAISE: PRAISE,
}
KIND_WEIGHTS: Mapping[Kind, float] = {Kind.QUESTION: 0.5, Kind.COMPLAINT: 0.3, Kind.PRAISE: 0.2}

TOPICS_BY_KEY: Mapping[str, Topic] = {topic.key: topic for topics in TOPICS_BY_KIND.values() for topic in topics}

# The first messages of every run are fixed topics in their first (calm) wording, so a fresh inbox always shows a
# public complaint and a private question, and starts the burnt-croissant story that other customers then repeat.
OPENING_TOPICS: Mapping[int, str] = {1: "burnt-croissants", 2: "order-status"}

# A customer who wrote publicly and heard nothing adds to their own thread.
CHASERS: Mapping[Kind, tuple[str, ...]] = {
    Kind.QUESTION: (
        "Anyone there? Would love an answer before the weekend 🙏",
        "Bumping this, still hoping to hear back!",
        "Sorry to chase, I need to know by tonight.",
    ),
    Kind.COMPLAINT: (
        "Still waiting to hear back about this.",
        "Any update? Nobody has been in touch yet.",
        "Still NO reply?! Is anyone even reading these??",
        "Hours later and nothing. Really not impressed!!",
    ),
    Kind.PRAISE: (
        "Forgot to say: the {bread} was gone in ten minutes 😄",
        "My kids are already asking when we're going back!",
    ),
}

# What a customer says after the shop answered.
FOLLOW_UPS: Mapping[Kind, tuple[str, ...]] = {
    Kind.QUESTION: (
        "Great, I'll come by at 4",
        "Perfect, thank you!",
        "Brilliant, that's all I needed to know 👍",
    ),
    Kind.COMPLAINT: (
        "ok, thanks for sorting it",
        "Thanks for getting back to me, appreciate it.",
        "Fair enough. I'll give you another go on {day}.",
    ),
    Kind.PRAISE: (
        "Thank you so much!",
        "Aw, thank you! See you next week ❤️",
    ),
}
