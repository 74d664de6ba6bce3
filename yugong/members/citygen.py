"""A realistic generated city for tests, demos and benchmarks (``manage.py seed_city``).

* The tree: 重庆市总工会 → 38 districts and counties (渝中区, 江北区, … with their real
  administrative codes) → per district a riders' and a couriers' federation, grassroots unions (each
  with its employer; some joint unions covering several small employers) and branch unions under
  the bigger grassroots unions; ten city industry unions with grassroots unions of their own.
* People: common surnames and given-name characters, valid GB 11643 ID numbers (region codes
  of the districts, births 1960–2005, the check character computed), valid mobile numbers, a
  plausible mix of employment forms (riders and couriers in the federations), migrant-worker
  flags, education; active memberships with member numbers (a few pending applications too).
* Deterministic: the same ``--seed`` gives the same names, numbers and tree. ID numbers and phone
  numbers are bijections of the member's sequence number, so they never repeat.
* Fast: on PostgreSQL rows go in with ``COPY`` (psycopg 3); the PII is encrypted and the blind
  indexes computed in Python row by row (what ``get_prep_value``/``pre_save`` would do), then
  ``ANALYZE``. Elsewhere (SQLite) it falls back to ``bulk_create``. Primary keys are assigned here
  (after the current maximum) so parents, paths and foreign keys are known before any write; the
  sequences are reset at the end.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Max

from yugong.core.timeutil import local_today, now
from yugong.core.validators import id_check_char, uscc_check_char
from yugong.orgs.models import Employer, Union, path_segment

from .bulk import RowWriter
from .models import Membership, Person, member_numbers_reserve

CITY_CODE = "CQ"

# (name, GB/T 2260 code, weight): the 38 districts and counties of Chongqing; the weight is a rough
# share of the city's workforce (urban core heavier).
DISTRICTS: tuple[tuple[str, str, int], ...] = (
    ("渝中区", "500103", 9),
    ("江北区", "500105", 9),
    ("沙坪坝区", "500106", 9),
    ("九龙坡区", "500107", 10),
    ("南岸区", "500108", 8),
    ("北碚区", "500109", 5),
    ("渝北区", "500112", 12),
    ("巴南区", "500113", 6),
    ("万州区", "500101", 6),
    ("涪陵区", "500102", 5),
    ("大渡口区", "500104", 3),
    ("綦江区", "500110", 3),
    ("大足区", "500111", 3),
    ("黔江区", "500114", 2),
    ("长寿区", "500115", 3),
    ("江津区", "500116", 5),
    ("合川区", "500117", 4),
    ("永川区", "500118", 4),
    ("南川区", "500119", 2),
    ("璧山区", "500120", 3),
    ("铜梁区", "500151", 2),
    ("潼南区", "500152", 2),
    ("荣昌区", "500153", 2),
    ("开州区", "500154", 3),
    ("梁平区", "500155", 2),
    ("武隆区", "500156", 1),
    ("城口县", "500229", 1),
    ("丰都县", "500230", 1),
    ("垫江县", "500231", 2),
    ("忠县", "500233", 1),
    ("云阳县", "500235", 2),
    ("奉节县", "500236", 1),
    ("巫山县", "500237", 1),
    ("巫溪县", "500238", 1),
    ("石柱土家族自治县", "500240", 1),
    ("秀山土家族苗族自治县", "500241", 1),
    ("酉阳土家族苗族自治县", "500242", 1),
    ("彭水苗族土家族自治县", "500243", 1),
)
INDUSTRY_UNIONS: tuple[tuple[str, str], ...] = (
    ("重庆市教育工会", "P"),
    ("重庆市卫生健康工会", "Q"),
    ("重庆市机械冶金建材工会", "C"),
    ("重庆市建设工会", "E"),
    ("重庆市交通运输工会", "G"),
    ("重庆市金融工会", "J"),
    ("重庆市能源化学工会", "D"),
    ("重庆市商贸金融工会", "F"),
    ("重庆市邮政工会", "G"),
    ("重庆市科技工会", "I"),
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯健俊帆鑫波宁琳雪梅晨欣怡"
    "佳嘉子轩涵梓博翔瑞峰海燕丹婷颖倩露鸿飞春秋冬松柏林森川渝江巴蜀山城兴旺福德才德永长庆远彬彤晶蕾琴云"
)
WORDS_A = "长江 嘉陵 山城 巴渝 两江 渝新 朝天 缙云 歌乐 南山 金佛 龙湖 鹅岭 磁器 洪崖 仙女 大巴 武陵 三峡 渝州".split()
WORDS_B = (
    "科技 机械 物流 建设 食品 医药 电子 汽车配件 商贸 餐饮管理 物业服务 纺织 化工 建材 印务 家居 "
    "软件 环保 摩托车 火锅食品"
).split()
INDUSTRY_BY_WORD = {"科技": "I", "软件": "I", "物流": "G", "建设": "E", "建材": "C", "医药": "C", "商贸": "F"}
PLATFORMS = {
    "rider": ("美团外卖", "饿了么", "达达快送"),
    "courier": ("顺丰速运", "中通快递", "京东物流", "圆通速递", "韵达快递", "邮政EMS"),
    "ride_hailing": ("滴滴出行", "T3出行", "曹操出行"),
    "truck_driver": ("货拉拉", "满帮"),
    "domestic": ("重庆家政服务协会", "58到家"),
}
OCCUPATIONS = {
    "regular": (
        "操作工",
        "技术员",
        "工程师",
        "营业员",
        "会计",
        "行政",
        "保安",
        "厨师",
        "司机",
        "销售",
        "教师",
        "护士",
    ),
    "rider": ("外卖配送员",),
    "courier": ("快递员", "分拣员"),
    "ride_hailing": ("网约车驾驶员",),
    "truck_driver": ("货车驾驶员",),
    "domestic": ("家政服务员", "育婴员"),
    "flexible": ("个体经营", "自由职业"),
    "other": ("其他",),
}
EDUCATION_WEIGHTS = (
    ("primary", 4),
    ("junior", 22),
    ("senior", 30),
    ("college", 20),
    ("bachelor", 19),
    ("master", 4),
    ("doctor", 1),
)
REGULAR_FORMS = (("regular", 90), ("flexible", 4), ("ride_hailing", 2), ("truck_driver", 2), ("domestic", 2))
BIRTH_START = dt.date(1960, 1, 1)
BIRTH_DAYS = (dt.date(2005, 12, 31) - BIRTH_START).days + 1
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_for(prefix: str, region: str, serial: int) -> str:
    """``prefix`` (91 enterprise, 81 trade union) + region + a 9-character organisation code
    derived from ``serial`` + the GB 32100 check character."""
    code = []
    n = serial
    for _ in range(9):
        n, r = divmod(n, 31)
        code.append(USCC_ALPHABET[r])
    first17 = f"{prefix}{region}{''.join(reversed(code))}"
    return first17 + uscc_check_char(first17)


def id_number_for(k: int, regions: list[str]) -> str:
    """The k-th generated ID number: a bijection of k onto (region, birth day, serial), so no two
    members share one; the check character per GB 11643."""
    space = len(regions) * BIRTH_DAYS * 1000
    # multiply by a large prime coprime with the space: consecutive k look unrelated
    idx = (k * 2_654_435_761) % space
    idx, serial = divmod(idx, 1000)
    region_i, day = divmod(idx, BIRTH_DAYS)
    birth = BIRTH_START + dt.timedelta(days=day)
    first17 = f"{regions[region_i]}{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_char(first17)


PHONE_PREFIXES: tuple[str, ...] = tuple(
    "135 136 137 138 139 150 151 152 157 158 159 177 180 181 182 183 186 187 188 189 191 193 195 198 199".split()
)


def phone_for(k: int) -> str:
    prefix = PHONE_PREFIXES[k % len(PHONE_PREFIXES)]
    body = ((k // len(PHONE_PREFIXES)) * 48_271 + 12_345) % 100_000_000  # bijective per prefix
    return f"{prefix}{body:08d}"


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> Callable[[], str]:
    values = [v for v, _w in pairs]
    cum = list(itertools.accumulate(w for _v, w in pairs))
    total = cum[-1]

    def pick() -> str:
        return values[bisect.bisect_right(cum, rng.random() * total)]

    return pick


# --- Writing ----------------------------------------------------------------------------------


def next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def reset_sequences(model_list: list[type[models.Model]]) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- The tree -----------------------------------------------------------------------------------


@dataclass
class Tree:
    """The member-holding unions and what a member generated for each needs."""

    holders: list[tuple[int, str, int | None, str, str]] = field(default_factory=list)
    # (union id, kind, employer id, employer name, district region code)
    weights: list[float] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    unions: int = 0
    employers: int = 0


def build_tree(*, unions: int, districts: int, rng: random.Random, log: Callable[[str], None]) -> Tree:
    """Create the city root, districts, industry unions, federations, grassroots (with employers),
    joint unions and branches: ``unions`` nodes in all (at least enough for the fixed levels)."""
    districts = max(1, min(districts, len(DISTRICTS)))
    chosen = list(DISTRICTS[:districts])
    fixed = 1 + districts + len(INDUSTRY_UNIONS) + 2 * districts
    rest = max(unions - fixed, districts)
    n_branch = rest * 12 // 100
    n_grass = rest - n_branch
    uid = next_id(Union)
    eid = next_id(Employer)
    tree = Tree(regions=[code for _n, code, _w in chosen])
    union_rows: list[dict[str, Any]] = []
    employer_rows: list[dict[str, Any]] = []

    def add_union(parent: dict[str, Any] | None, **values: Any) -> dict[str, Any]:
        nonlocal uid
        row = {"id": uid, "parent_id": parent["id"] if parent else None, **values}
        row["path"] = (parent["path"] if parent else "") + path_segment(uid)
        row["depth"] = parent["depth"] + 1 if parent else 0
        row.setdefault(
            "founded_on", dt.date(1950 + rng.randrange(74), rng.randrange(1, 13), rng.randrange(1, 29))
        )
        row.setdefault("chair_name", rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN))
        uid += 1
        union_rows.append(row)
        return row

    def add_employer(
        union: dict[str, Any], region: str, district: str, industry: str, name: str, size: int
    ) -> int:
        nonlocal eid
        employer_rows.append(
            {
                "id": eid,
                "name": name,
                "uscc": uscc_for("91", region, eid),
                "industry": industry,
                "district": district,
                "address": f"重庆市{district}{rng.choice(WORDS_A)}路{rng.randrange(1, 999)}号",
                "headcount": size,
                "unionised": True,
                "union_id": union["id"],
            }
        )
        eid += 1
        return eid - 1

    city = add_union(
        None, name="重庆市总工会", short_name="市总工会", code=CITY_CODE, kind="city", district=""
    )
    district_rows = []
    for name, region, _w in chosen:
        district_rows.append(
            add_union(city, name=f"{name}总工会", code=f"{CITY_CODE}{region}", kind="district", district=name)
        )
    industry_rows = [
        add_union(city, name=name, code=f"{CITY_CODE}I{i:02d}", kind="industry", district="渝中区")
        for i, (name, _sec) in enumerate(INDUSTRY_UNIONS, start=1)
    ]
    for d_row, (name, region, _w) in zip(district_rows, chosen, strict=True):
        for form, label, platform_key in (("rider", "外卖骑手", "rider"), ("courier", "快递员", "courier")):
            fed = add_union(
                d_row,
                name=f"{name}{label}工会联合会",
                code=f"{CITY_CODE}{region}F{'R' if form == 'rider' else 'C'}",
                kind="federation",
                district=name,
                serves_forms=[form],
            )
            tree.holders.append((fed["id"], "federation", None, platform_key, region))
            tree.weights.append(40.0)
    d_cum = list(itertools.accumulate(w for _n, _c, w in chosen))
    big: list[tuple[dict[str, Any], str, str]] = []
    for _i in range(n_grass):
        di = bisect.bisect_right(d_cum, rng.random() * d_cum[-1])
        dname, region, _w = chosen[di]
        word_b = rng.choice(WORDS_B)
        industry = INDUSTRY_BY_WORD.get(word_b, "C")
        under_industry = rng.random() < 0.15
        parent = rng.choice(industry_rows) if under_industry else district_rows[di]
        joint = rng.random() < 0.1
        # employee counts: many small, a few big (Pareto-like)
        size = int(min(20_000, 8 + rng.paretovariate(1.3) * 25))
        company = f"重庆{rng.choice(WORDS_A)}{word_b}{'股份' if size > 500 else ''}有限公司"
        row = add_union(
            parent,
            name=f"{dname}{rng.choice(WORDS_A)}片区联合工会" if joint else f"{company}工会",
            code=f"{CITY_CODE}{region}{'J' if joint else 'G'}{uid:07d}",
            kind="joint" if joint else "grassroots",
            district=dname,
            uscc=uscc_for("81", region, uid),
        )
        if joint:
            first = 0
            for _j in range(rng.randrange(2, 6)):
                shop = f"重庆{rng.choice(WORDS_A)}{rng.choice(WORDS_B)}店"
                e = add_employer(row, region, dname, "F", shop, rng.randrange(3, 30))
                first = first or e
            tree.holders.append((row["id"], "joint", first, "", region))
            tree.weights.append(12.0)
        else:
            e = add_employer(row, region, dname, industry, company, size)
            tree.holders.append((row["id"], "grassroots", e, company, region))
            tree.weights.append(float(size))
            if size > 300 or not big:
                big.append((row, region, dname))
    holder_index = {h[0]: h for h in tree.holders}
    for _i in range(n_branch):
        if not big:
            break
        parent, region, dname = rng.choice(big)
        row = add_union(
            parent,
            name=f"{parent['name'][:-2]}第{rng.randrange(1, 30)}分工会",
            code=f"{CITY_CODE}{region}B{uid:07d}",
            kind="branch",
            district=dname,
        )
        ph = holder_index[parent["id"]]
        tree.holders.append((row["id"], "branch", ph[2], ph[3], region))
        tree.weights.append(30.0)
    with transaction.atomic():
        tree.unions = RowWriter(Union).write(union_rows)
        tree.employers = RowWriter(Employer).write(employer_rows)
    log(f"unions: {tree.unions}, employers: {tree.employers}")
    return tree


def load_tree() -> Tree:
    """The member-holding unions of an existing seeded city (for ``--append``)."""
    tree = Tree()
    first_employer: dict[int, tuple[int, str]] = {}
    for pk, union_id, name in (
        Employer.objects.filter(union__isnull=False).order_by("pk").values_list("pk", "union_id", "name")
    ):
        first_employer.setdefault(union_id, (pk, name))
    regions = set()
    for pk, kind, code, serves in Union.objects.filter(
        code__startswith=CITY_CODE, kind__in=["grassroots", "joint", "branch", "federation"], status="active"
    ).values_list("pk", "kind", "code", "serves_forms"):
        region = code[len(CITY_CODE) : len(CITY_CODE) + 6]
        regions.add(region)
        if kind == "federation":
            tree.holders.append((pk, kind, None, (serves or ["rider"])[0], region))
            tree.weights.append(40.0)
        else:
            emp = first_employer.get(pk, (None, ""))
            tree.holders.append((pk, kind, emp[0], emp[1], region))
            tree.weights.append(30.0)
    tree.regions = sorted(regions) or [DISTRICTS[0][1]]
    return tree


# --- Members --------------------------------------------------------------------------------------


def member_rows(
    *,
    tree: Tree,
    count: int,
    k_start: int,
    person_id: int,
    membership_id: int,
    seed: int,
    number_block: Any,
    paths: dict[int, str] | None = None,
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(person row, membership row) pairs, deterministic for (seed, k_start). ``paths``: union id →
    path, for the membership's search keys (read from the database when not given)."""
    if paths is None:
        paths = dict(Union.objects.filter(pk__in={h[0] for h in tree.holders}).values_list("pk", "path"))
    rng = random.Random(seed * 1_000_003 + k_start)  # noqa: S311 - synthetic data, not secrets
    cum = list(itertools.accumulate(tree.weights))
    total = cum[-1]
    education = _weighted(rng, EDUCATION_WEIGHTS)
    regular_form = _weighted(rng, REGULAR_FORMS)
    regions = [code for _n, code, _w in DISTRICTS]
    today = local_today()
    moment = now()
    for i in range(count):
        k = k_start + i
        union_id, kind, employer_id, employer_name, _region = tree.holders[
            bisect.bisect_right(cum, rng.random() * total)
        ]
        if kind == "federation":
            form = employer_name  # the federation's served form
            employer_name = rng.choice(PLATFORMS.get(form, ("",)))
            employer_id = None
        else:
            form = regular_form()
        id_number = id_number_for(k, regions)
        birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        phone = phone_for(k)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        migrant = rng.random() < (0.55 if form in ("rider", "courier", "truck_driver", "domestic") else 0.18)
        earliest = max(_plus_years(birth, 18), dt.date(1990, 1, 1))
        span = (today - earliest).days
        since = earliest + dt.timedelta(days=rng.randrange(max(span, 1)))
        pending = rng.random() < 0.01
        person = {
            "id": person_id + i,
            "name": name,
            "id_number": id_number,
            "birth_date": birth,
            "sex": "M" if int(id_number[16]) % 2 else "F",
            "phone": phone,
            "phone_tail": phone[-4:],
            "employment_form": form,
            "migrant_worker": migrant,
            "education": education(),
            "occupation": rng.choice(OCCUPATIONS.get(form, ("其他",))),
            "employer_id": employer_id,
            "employer_name": employer_name,
        }
        membership = {
            "id": membership_id + i,
            "person_id": person_id + i,
            "union_id": union_id,
            "status": "pending" if pending else "active",
            "channel": "import",
            "member_no": None if pending else number_block.take(),
            "applied_at": moment,
            "due_at": moment + dt.timedelta(days=10) if pending else None,
            "decided_at": None if pending else moment,
            "member_since": None if pending else since,
            "started_on": None if pending else since,
            # the search keys (Membership.fill_search_keys), as the ORM would have copied them
            "union_path": paths.get(union_id, ""),
            "person_name": name,
            "employment_form": form,
            "migrant_worker": migrant,
            "employer_name": employer_name,
        }
        yield person, membership


def seed_members(
    *, tree: Tree, count: int, seed: int, batch: int, log: Callable[[str], None]
) -> tuple[int, float]:
    """Write ``count`` people and memberships in batches (one transaction each); returns
    (rows, seconds)."""
    started = time.perf_counter()
    if count <= 0:
        return 0, 0.0
    person_id, membership_id = next_id(Person), next_id(Membership)
    k_start = person_id  # unique across appends: ID and phone numbers follow the person id
    numbers = member_numbers_reserve(count=count)
    people_writer, membership_writer = RowWriter(Person), RowWriter(Membership)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Only this session: a crash loses at most the last batches, which a re-run redoes.
            cursor.execute("SET synchronous_commit = off")
    done = 0
    gen = member_rows(
        tree=tree,
        count=count,
        k_start=k_start,
        person_id=person_id,
        membership_id=membership_id,
        seed=seed,
        number_block=numbers,
    )
    while done < count:
        chunk = list(itertools.islice(gen, batch))
        if not chunk:
            break
        with transaction.atomic():
            people_writer.write(p for p, _m in chunk)
            membership_writer.write(m for _p, m in chunk)
        done += len(chunk)
        elapsed = time.perf_counter() - started
        log(f"members: {done}/{count} ({done / max(elapsed, 1e-9):,.0f} rows/s)")
    return done, time.perf_counter() - started


class DeferredIndexes:
    """Bulk-load technique for big loads on PostgreSQL: drop the secondary indexes, unique
    constraints and foreign keys of the given tables, load, then re-create them from their own
    definitions (a sort-based CREATE INDEX is many times faster than millions of random B-tree
    inserts into blind-index hashes). Re-created in ``__exit__`` whatever happens."""

    def __init__(self, model_list: list[type[models.Model]], log: Callable[[str], None]) -> None:
        self.tables = [m._meta.db_table for m in model_list]
        self.log = log
        self.constraints: list[tuple[str, str, str]] = []  # (table, name, definition)
        self.indexes: list[tuple[str, str]] = []  # (name, CREATE INDEX ...)

    def __enter__(self) -> DeferredIndexes:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype IN ('u', 'f')",
                [self.tables],
            )
            self.constraints = list(cursor.fetchall())
            for table, name, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
                "AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
                [self.tables],
            )
            self.indexes = list(cursor.fetchall())
            for name, _definition in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        self.log(f"deferred {len(self.indexes)} indexes and {len(self.constraints)} constraints")
        return self

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for name, definition in self.indexes:
                self.log(f"index {name}…")
                cursor.execute(definition)
            for table, name, definition in self.constraints:
                self.log(f"constraint {name}…")
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Union, Employer, Person, Membership):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
