"""The demo catalogue as plain data: a category tree and one deterministic spec per product number.

Product ``n`` is built from its own random generator seeded with ``n``, so it
is the same whatever ``--products`` says: seeding 120 products and then
10,000 adds products 121 to 10,000 and leaves the first 120 untouched.
"""

import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils.text import slugify

SEED = "maple-and-pine-demo-1"


@dataclass(frozen=True)
class LeafSpec:
    """A second-level category and the vocabulary its products are named from."""

    name: str
    slug: str
    option: str  # a key of OPTION_VALUES, or "" for simple products
    price_range: tuple[int, int]  # CNY, for the cheapest variant
    lead: str  # first sentence of every description; may use {material} and {noun}
    adjectives: tuple[str, ...]
    materials: tuple[str, ...]
    nouns: tuple[str, ...]


@dataclass(frozen=True)
class TopSpec:
    """A top-level category: its SKU prefix, picture hue and description sentences."""

    name: str
    slug: str
    sku_prefix: str
    hue: float
    description: str
    sentences: tuple[str, ...]
    leaves: tuple[LeafSpec, ...]


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    options: dict[str, str]
    price: Decimal
    stock: int
    position: int

    @property
    def weight_grams(self) -> int:
        """A packed weight from 150 g to 2,050 g, from the SKU alone (the random draws stay as they were)."""
        return 150 + sum(self.sku.encode()) % 20 * 100


@dataclass(frozen=True)
class ProductSpec:
    number: int
    name: str
    slug: str
    description: str
    category_slug: str
    hue: float
    initials: str
    is_active: bool
    is_featured: bool
    variants: tuple[VariantSpec, ...]


def _leaf(name, slug, option, prices, lead, adjectives, materials, nouns) -> LeafSpec:
    """Word lists are written as ``"Linen|Cotton"`` to keep the tree readable."""
    words = (tuple(text.split("|")) for text in (adjectives, materials, nouns))
    return LeafSpec(name, slug, option, prices, lead, *words)


# fmt: off
TREE: tuple[TopSpec, ...] = (
    TopSpec("Clothing", "clothing", "CLO", 0.58, "Everyday clothing in natural fabrics, cut to last.", (
        "Pre-washed, so it keeps its shape and size wash after wash.",
        "Machine wash cold and hang to dry.",
        "Made in a family-run workshop in Zhejiang.",
        "Reinforced seams and horn-effect buttons.",
        "True to size; take the next size up for a looser fit.",
    ), (
        _leaf("Men", "men", "size", (79, 699), "Cut from soft {material} that gets better with every wash.",
              "Relaxed|Classic|Slim|Everyday|Heavyweight|Washed",
              "Linen|Cotton|Merino|Denim|Flannel|Corduroy|Organic Cotton",
              "Shirt|Oxford Shirt|Crew Tee|Polo|Hoodie|Chinos|Overshirt|Field Jacket|Sweater"),
        _leaf("Women", "women", "size", (79, 799), "A wardrobe staple in breathable {material}.",
              "Relaxed|Classic|Cropped|Everyday|Flowing|Tailored",
              "Linen|Cotton|Silk|Merino|Tencel|Organic Cotton|Cashmere Blend",
              "Wrap Dress|Blouse|Midi Skirt|Tee|Cardigan|Wide-Leg Trousers|Trench Coat|Shirt Dress"),
        _leaf("Kids", "kids", "kids_size", (49, 299),
              "Made for climbing trees: tough {material}, soft seams.",
              "Playful|Cosy|Everyday|Striped|Sturdy", "Cotton|Fleece|Organic Cotton|Jersey|Corduroy",
              "Tee|Dungarees|Hoodie|Pyjama Set|Rain Jacket|Shorts|Sweatshirt"),
    )),
    TopSpec("Home & Kitchen", "home-kitchen", "HOM", 0.08,
            "Cookware, tableware and textiles for a calm home.", (
        "Every piece is checked by hand before it leaves the workshop.",
        "Designed in Shanghai with small makers across China.",
        "Gift-boxed, with care instructions inside.",
        "Made to be used every day, not kept for best.",
    ), (
        _leaf("Cookware", "cookware", "colour", (89, 1299),
              "A {material} {noun} that heats evenly and lasts.",
              "Pro|Classic|Everyday|Heritage|Lightweight",
              "Cast Iron|Carbon Steel|Stainless Steel|Enamelled|Copper",
              "Frying Pan|Dutch Oven|Saucepan|Wok|Stockpot|Sauté Pan|Grill Pan"),
        _leaf("Tableware", "tableware", "colour", (29, 399),
              "Glazed {material}, safe in dishwasher and microwave.",
              "Speckled|Classic|Hand-Glazed|Minimal|Rustic", "Ceramic|Stoneware|Porcelain|Glass|Bamboo",
              "Dinner Plate Set|Bowl Set|Mug|Serving Platter|Pour-Over Set|Cup Set|Pasta Bowls"),
        _leaf("Home Textiles", "home-textiles", "colour", (59, 899), "Woven from {material} and washed soft.",
              "Stonewashed|Soft|Classic|Waffle|Plain", "Linen|Cotton|Wool|Silk|Percale",
              "Duvet Cover|Throw Blanket|Cushion Cover|Bath Towel|Table Runner|Bedsheet Set"),
    )),
    TopSpec("Tea & Coffee", "tea-coffee", "TEA", 0.30,
            "Chinese teas from the gardens, fresh-roasted coffee.", (
        "We taste every batch before it goes on sale.",
        "Sourced directly from the makers, who are paid above the market price.",
        "Ships within 24 hours from our Hangzhou warehouse.",
        "Makes a thoughtful gift.",
    ), (
        _leaf("Chinese Tea", "chinese-tea", "weight", (38, 388), "",
              "Spring Harvest|Premium|Reserve|Classic|Organic", "", ""),
        _leaf("Coffee", "coffee", "coffee_weight", (58, 198),
              "Roasted in small batches every week; best within two months of roasting.",
              "Light Roast|Medium Roast|Dark Roast",
              "Yunnan|Ethiopia Yirgacheffe|Colombia Huila|Kenya AA|Guatemala Antigua|Brazil Cerrado",
              "Espresso Blend|Filter Roast|Single Origin Beans|Decaf Beans"),
        _leaf("Teaware", "teaware", "colour", (39, 899),
              "Hand-made {material} from potters in Jingdezhen and Yixing.",
              "Hand-Thrown|Classic|Minimal|Travel|Song-Style", "Porcelain|Yixing Clay|Glass|Celadon|Bamboo",
              "Gaiwan 盖碗|Teapot 茶壶|Tea Tray 茶盘|Tea Cups 茶杯|Tea Caddy 茶叶罐|Fair Cup 公道杯"),
    )),
    TopSpec("Electronics Accessories", "electronics-accessories", "ELE", 0.70,
            "Cables, chargers, audio and phone accessories that just work.", (
        "Works with USB-C phones, tablets and laptops.",
        "Two-year warranty and free returns within 30 days.",
        "CCC certified for the Chinese market.",
        "Small enough for any bag.",
    ), (
        _leaf("Phone Accessories", "phone-accessories", "colour", (39, 299),
              "Slim {material} that protects without the bulk.", "Slim|Rugged|Clear|Minimal",
              "Silicone|Leather|Aluminium|Recycled Plastic",
              "Phone Case|Screen Protector|Phone Stand|Card Wallet|Car Mount"),
        _leaf("Audio", "audio", "colour", (99, 1499), "Tuned for clear voices and deep, tight bass.",
              "Noise-Cancelling|Compact|Studio|Sport|Portable", "Aluminium|Recycled Plastic|Fabric",
              "Wireless Earbuds|Headphones|Bluetooth Speaker|Earphones"),
        _leaf("Cables & Chargers", "cables-chargers", "", (29, 399), "Tested for 10,000 bends and plugs.",
              "Braided|Fast|Travel|Dual-Port|Compact", "Nylon|Aluminium|Silicone",
              "USB-C Cable|65W Charger|Power Bank|Charging Dock|HDMI Cable"),
    )),
    TopSpec("Books & Stationery", "books-stationery", "BKS", 0.95,
            "Books worth keeping, paper worth writing on.", (
        "Printed on acid-free paper that does not yellow.",
        "Made in Suzhou by a small bindery.",
        "A good companion for the desk or the bag.",
        "Wrapped in recycled paper for shipping.",
    ), (
        _leaf("Notebooks", "notebooks", "ruling", (19, 159),
              "Fountain-pen friendly paper in a {material} cover that lies flat when open.",
              "A5|Pocket|B5|Hardcover|Softcover", "Kraft|Linen-Bound|Leather|Recycled Paper",
              "Notebook|Journal|Sketchbook|Planner"),
        _leaf("Pens", "pens", "ink", (9, 899), "A {material} body, balanced for long writing sessions.",
              "Classic|Fine|Everyday|Retro", "Brass|Aluminium|Resin|Bamboo",
              "Fountain Pen|Gel Pen Set|Rollerball|Mechanical Pencil|Brush Pen"),
        _leaf("Books", "books", "format", (39, 168),
              "An illustrated book for curious minds, with a thread-sewn binding.",
              "The Art of|A Field Guide to|Notes on|The Little Book of|A Year of", "",
              "Tea|Slow Cooking|Mountain Walks|Calligraphy|Coffee|Bread|Home Gardening|Photography"),
    )),
    TopSpec("Outdoor", "outdoor", "OUT", 0.42, "Gear for trails, campsites and city rides.", (
        "Weighs less than you expect and packs down small.",
        "Field-tested in the Yunnan mountains.",
        "Repairable: spare parts are sold separately.",
        "Two-year warranty.",
    ), (
        _leaf("Camping", "camping", "colour", (59, 2499),
              "Built from {material} for years of nights outdoors.",
              "Ultralight|Two-Person|Four-Season|Compact|Trail", "Ripstop Nylon|Aluminium|Titanium|Canvas",
              "Tent|Sleeping Bag|Camping Chair|Lantern|Hammock"),
        _leaf("Hiking", "hiking", "size", (69, 1299),
              "Breathable {material} that keeps you dry on the climb.",
              "Waterproof|Lightweight|Trail|Alpine|Breathable", "Nylon|Merino|Ripstop|Softshell",
              "Daypack|Rain Shell|Hiking Socks|Softshell Jacket|Fleece"),
        _leaf("Cycling", "cycling", "colour", (49, 999), "Reflective details keep you seen after dark.",
              "Urban|Reflective|Compact|Commuter|Road", "Aluminium|Nylon|Recycled Plastic",
              "Bike Light Set|Helmet|Saddle Bag|Cycling Gloves|Bike Lock"),
    )),
)
# fmt: on

LEAVES: tuple[tuple[TopSpec, LeafSpec], ...] = tuple((top, leaf) for top in TREE for leaf in top.leaves)

# Chinese name, English name, where it grows (Chinese, English): so Chinese search has something to find.
TEAS = (
    ("西湖龙井", "West Lake Longjing Green Tea", "杭州西湖", "Hangzhou, Zhejiang"),
    ("铁观音", "Tieguanyin Oolong Tea", "福建安溪", "Anxi, Fujian"),
    ("大红袍", "Da Hong Pao Rock Oolong", "武夷山", "the Wuyi Mountains"),
    ("碧螺春", "Biluochun Green Tea", "苏州洞庭山", "Dongting, Suzhou"),
    ("白毫银针", "Silver Needle White Tea", "福建福鼎", "Fuding, Fujian"),
    ("祁门红茶", "Keemun Black Tea", "安徽祁门", "Qimen, Anhui"),
    ("正山小种", "Lapsang Souchong Smoked Black Tea", "武夷山桐木关", "Tongmu, Wuyi"),
    ("普洱熟茶", "Ripe Pu-erh Tea", "云南西双版纳", "Xishuangbanna, Yunnan"),
    ("茉莉花茶", "Jasmine Green Tea", "广西横县", "Hengxian, Guangxi"),
    ("黄山毛峰", "Huangshan Maofeng Green Tea", "安徽黄山", "Huangshan, Anhui"),
    ("六安瓜片", "Lu'an Guapian Green Tea", "安徽六安", "Lu'an, Anhui"),
    ("白牡丹", "White Peony White Tea", "福建政和", "Zhenghe, Fujian"),
    ("凤凰单丛", "Phoenix Dancong Oolong", "广东潮州", "Chaozhou, Guangdong"),
    ("滇红", "Dianhong Yunnan Black Tea", "云南凤庆", "Fengqing, Yunnan"),
)

# fmt: off
# Option key -> (option name, ((value, SKU code, price factor), ...)).
OPTION_VALUES: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "size": ("Size", (("S", "S", "1"), ("M", "M", "1"), ("L", "L", "1"), ("XL", "XL", "1"))),
    "kids_size": ("Size", (("100 cm", "100", "1"), ("110 cm", "110", "1"), ("120 cm", "120", "1"),
                           ("130 cm", "130", "1"))),
    "weight": ("Weight", (("50 g", "50G", "1"), ("100 g", "100G", "1.9"), ("250 g", "250G", "4.5"),
                          ("500 g", "500G", "8.5"))),
    "coffee_weight": ("Weight", (("250 g", "250G", "1"), ("500 g", "500G", "1.8"), ("1 kg", "1KG", "3.3"))),
    "colour": ("Colour", (("Black", "BLK", "1"), ("White", "WHT", "1"), ("Sage", "SAG", "1"),
                          ("Navy", "NVY", "1"), ("Terracotta", "TER", "1"), ("Sand", "SND", "1"),
                          ("Charcoal", "CHA", "1"))),
    "ruling": ("Ruling", (("Dotted", "DOT", "1"), ("Lined", "LIN", "1"), ("Blank", "BLA", "1"),
                          ("Grid", "GRD", "1"))),
    "ink": ("Ink", (("Black", "BLK", "1"), ("Blue", "BLU", "1"), ("Red", "RED", "1"))),
    "format": ("Format", (("Paperback", "PB", "1"), ("Hardcover", "HC", "1.4"))),
}
# fmt: on
# Options picked freely (any colours) rather than as a run (S-M-L); one of them alone makes a simple product.
FREE_OPTIONS = ("colour", "ink", "ruling", "format")


def _nice_price(amount: Decimal, ending: str) -> Decimal:
    """A price as a shop would print it: 129.00, 59.90, 39.99 (``ending`` is used below 100)."""
    whole = max(int(amount), 5)
    if whole >= 100:
        return Decimal(f"{whole // 10 * 10 + 9}.00")
    return Decimal(f"{whole if ending == '.00' else whole - 1}{ending}")


def _stock(rng: random.Random) -> int:
    """Mostly 6..120; about 8% sold out and 10% low."""
    roll = rng.random()
    if roll < 0.08:
        return 0
    if roll < 0.18:
        return rng.randint(1, 5)
    return rng.randint(6, 120)


def _variants(rng: random.Random, leaf: LeafSpec, prefix: str, number: int) -> tuple[VariantSpec, ...]:
    base = Decimal(rng.randint(*leaf.price_range))
    ending = rng.choice((".00", ".90", ".99"))
    simple_sku = f"{prefix}-{number:05d}"
    if not leaf.option:
        return (VariantSpec(simple_sku, {}, _nice_price(base, ending), _stock(rng), 0),)
    option_name, values = OPTION_VALUES[leaf.option]
    if leaf.option in FREE_OPTIONS:
        chosen = sorted(rng.sample(range(len(values)), rng.randint(1, min(4, len(values)))))
        if len(chosen) == 1:
            return (VariantSpec(simple_sku, {}, _nice_price(base, ending), _stock(rng), 0),)
    else:
        count = rng.randint(2 if "size" in leaf.option else 1, min(4, len(values)))
        start = rng.randint(0, len(values) - count)
        chosen = list(range(start, start + count))
    return tuple(
        VariantSpec(
            sku=f"{simple_sku}-{values[index][1]}",
            options={option_name: values[index][0]},
            price=_nice_price(base * Decimal(values[index][2]), ending),
            stock=_stock(rng),
            position=position,
        )
        for position, index in enumerate(chosen)
    )


def _is_chinese(word: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in word)


def _tea(number: int, grade: str) -> tuple[str, str]:
    chinese, english, origin_zh, origin_en = TEAS[(number - 1) // len(LEAVES) % len(TEAS)]
    name = chinese + " " + english + ("" if grade == "Classic" else f" ({grade})")
    lead = f"{chinese}，产自{origin_zh}，香气清雅，回味甘甜。"  # noqa: RUF001 (Chinese punctuation)
    lead += f"{english} from {origin_en}, picked and finished by hand."
    return name, lead


def product_spec(*, number: int) -> ProductSpec:
    """Demo product number ``number`` (1-based); the same number always gives the same product."""
    rng = random.Random(f"{SEED}:{number}")
    top, leaf = LEAVES[(number - 1) % len(LEAVES)]
    adjective, material, noun = (
        rng.choice(leaf.adjectives),
        rng.choice(leaf.materials),
        rng.choice(leaf.nouns),
    )
    english_noun, _, chinese_noun = noun.rpartition(" ")
    if not _is_chinese(chinese_noun):
        english_noun, chinese_noun = noun, ""
    if leaf.slug == "chinese-tea":
        name, lead = _tea(number, adjective)
    else:
        name = " ".join(part for part in (adjective, material, english_noun, chinese_noun) if part)
        lead = leaf.lead.format(material=material.lower(), noun=english_noun.lower())
    description = " ".join((lead, *rng.sample(top.sentences, 2)))
    english = " ".join(word for word in name.replace("(", "").split() if not _is_chinese(word))
    roll = rng.random()
    return ProductSpec(
        number=number,
        name=name,
        slug=f"{slugify(english)}-{number:05d}",
        description=description,
        category_slug=leaf.slug,
        hue=top.hue,
        initials="".join(word[0] for word in english.split()[:2]).upper(),
        is_active=roll >= 0.03,
        is_featured=0.03 <= roll < 0.13,
        variants=_variants(rng, leaf, top.sku_prefix, number),
    )
