"""The corpus: filled forms (seed layouts typed by an office, and this project's generated forms
filled in) as .docx and as LibreOffice PDF, each checked field by field against the values the
fill script typed. Scored on the fields the truth fills plus every extra field the parser fills
(make_corpus.score), printed per group. Floors: 99% .docx, 97% PDF on the forms whose wording the
definitions know; the office variants (office_variants.py, wording written without looking at the
definitions) are measured and printed, with no floor: they show what an unseen layout gets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import PROFILES as PROFILES_DIR, make_workspace, needs_soffice
from pipeline.parse import parse_file

sys.path.insert(0, str(Path(__file__).parent))
from make_corpus import (BORDERLESS, PROFILES, build_all_generated, build_corpus, build_generated, group,  # noqa: E402
                         score)
from office_variants import build_office_variants  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("corpus")
    ws = make_workspace(tmp_path_factory.mktemp("ws"))
    return build_corpus(out) + build_generated(out, ws.root) + build_all_generated(out, tmp_path_factory.mktemp("profiles"))


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> list[Path]:
    return build_office_variants(tmp_path_factory.mktemp("office"))


@pytest.fixture(scope="module")
def all_pdf(corpus, office) -> dict[Path, Path]:
    """Every .docx of the corpus and the office variants as PDF, from one LibreOffice batch."""
    from pipeline._exec import soffice

    sources = corpus + office
    out = corpus[0].parent / "pdf"
    pdfs = soffice.convert(sources, out)
    assert len(pdfs) == len(sources)
    for pdf, src in zip(pdfs, sources):  # beside its truth, which is named after the .docx
        (out / (src.stem + ".expected.json")).write_bytes((src.parent / (src.stem + ".expected.json")).read_bytes())
    return dict(zip(sources, pdfs))


@pytest.fixture(scope="module")
def corpus_pdf(corpus, all_pdf) -> list[Path]:
    return [all_pdf[p] for p in corpus]


@pytest.fixture(scope="module")
def office_pdf(office, all_pdf) -> list[Path]:
    return [all_pdf[p] for p in office]


def _expected(path: Path) -> dict:
    return json.loads((path.parent / (path.stem + ".expected.json")).read_text(encoding="utf-8"))


def _accuracy(paths: list[Path], kind: str) -> float:
    """Field accuracy over ``paths``, printed per group with every difference."""
    groups: dict[str, list[int]] = {}
    report = []
    for path in paths:
        got = parse_file(path).model_dump(mode="json")
        r, t, diffs = score(_expected(path), got)
        g = groups.setdefault(group(path.stem), [0, 0, 0])
        g[0], g[1], g[2] = g[0] + r, g[1] + t, g[2] + 1
        report += [f"{path.name}: {d}" for d in diffs]
    right, total = sum(g[0] for g in groups.values()), sum(g[1] for g in groups.values())
    print(f"\n{kind} field accuracy (non-empty expected fields + extras): "
          f"{right}/{total} = {right / total:.2%} over {len(paths)} forms")
    for name, (r, t, n) in groups.items():
        print(f"   {name}: {r}/{t} = {r / t:.2%} ({n} forms)")
    for line in report:
        print("  ", line)
    return right / total


def test_corpus_covers_the_variations(corpus):
    names = {p.stem for p in corpus}
    assert len(corpus) >= 20
    for needed in ("q002-person-basic", "q002-unit-measures-split", "q002-unit-measures-split-nohdr", "q002-person-empty",
                   "q002-person-sdt-nested", "z001-staff", "g003-person", "c000-person-control", "x-not-a-form"):
        assert needed in names
    assert sum(n.startswith("gen-") for n in names) == 5
    assert {f"{n}-nb" for n in BORDERLESS} <= names
    from pipeline.forms import get
    from pipeline.profile import load_profile

    tables = {f for p in PROFILES for f in load_profile(PROFILES_DIR / p / "profile.toml").annexes.forms
              if get(f).kind != "pledge"}
    assert {n.split("-", 1)[1].rsplit("-", 1)[0] for n in names if n.startswith("fill-")} == tables
    assert len(tables) == 20


@needs_soffice
def test_borderless_pdf_reads_like_the_ruled_one(corpus_pdf):
    """No ruling lines: columns from the header cells, rows from the text, same records."""
    import pdfplumber

    for name in BORDERLESS:
        ruled, bare = _by_name(corpus_pdf, name), _by_name(corpus_pdf, f"{name}-nb")
        with pdfplumber.open(bare) as pdf:
            assert not any(p.lines or p.rects for p in pdf.pages), name  # really borderless
        a, b = parse_file(ruled), parse_file(bare)
        assert b.form_type == a.form_type and b.header == a.header, name
        assert [r.model_dump(exclude={"where"}) for r in b.risks] == [r.model_dump(exclude={"where"}) for r in a.risks], name


def test_docx_field_accuracy(corpus):
    assert _accuracy(corpus, ".docx") >= 0.99


@needs_soffice
def test_pdf_field_accuracy(corpus_pdf):
    assert _accuracy(corpus_pdf, "PDF") >= 0.97


def test_office_variants_accuracy(office):
    """Measured, not floored: the parser is not tuned to these (see office_variants.py)."""
    _accuracy(office, "office variants .docx")


@needs_soffice
def test_office_variants_pdf_accuracy(office_pdf):
    _accuracy(office_pdf, "office variants PDF")


def _problem_codes(path: Path) -> set[str]:
    return {p.code for p in parse_file(path).problems}


def test_problems_as_expected_docx(corpus):
    for path in corpus:
        assert _problem_codes(path) == set(_expected(path)["problems"]), path.name


@needs_soffice
def test_problems_as_expected_pdf(corpus_pdf):
    for path in corpus_pdf:
        assert _problem_codes(path) == set(_expected(path)["problems"]), path.name


def _by_name(paths: list[Path], stem: str) -> Path:
    return next(p for p in paths if p.stem == stem)


@pytest.mark.parametrize("kind", ["docx", pytest.param("pdf", marks=needs_soffice)])
def test_merged_duty_numbered_measures_and_levels(request, kind):
    paths = request.getfixturevalue("corpus" if kind == "docx" else "corpus_pdf")
    basic = parse_file(_by_name(paths, "q002-person-basic"))
    assert basic.levels == ["三级", "二级", "一级"]  # from the form's note: 从低到高 一级、二级、三级
    assert [r.level for r in basic.risks] == ["high", "medium", "low"]
    assert [r.level_label for r in basic.risks] == ["三级", "二级风险", "1级"]
    assert {r.duty for r in basic.risks} == {"负责学院干部选拔任用、考察考核及干部档案管理工作"}
    split = parse_file(_by_name(paths, "q002-unit-measures-split"))
    assert len(split.risks) == 10 and [r.seq for r in split.risks] == list(range(1, 11))
    assert split.risks[0].measures == "1.变更签证须经监理、造价、使用单位三方确认；\n2.5万元以上变更集体决策。"
    staff = parse_file(_by_name(paths, "z001-staff"))
    assert staff.form_type == "001-staff-control"
    assert staff.header.name == "孙丽" and staff.header.extra["workflow"] == "审核票据—登记凭证—支付—归档"
    assert [r.category for r in staff.risks] == ["岗位职责", "业务流程", "思想道德"]
    assert [r.extra["post_level"] for r in staff.risks] == ["A", "A级", "B"]
    person = parse_file(_by_name(paths, "g003-person"))
    assert [r.category for r in person.risks] == ["岗位职责", "业务流程", "外部环境"]  # the blank 制度机制 row is dropped
    assert [r.level for r in person.risks] == ["high", "medium", "low"]


def test_profile_and_levels_option_override_the_note(corpus, workspace):
    path = _by_name(corpus, "z001-staff")  # 001 writes 一级 … 三级; default: 一级 highest
    assert [r.level for r in parse_file(path).risks] == ["high", "medium", "low"]
    with_profile = parse_file(path, profile=workspace.profile)  # 002's scheme: 三级 highest
    assert with_profile.levels == ["三级", "二级", "一级"]
    assert [r.level for r in with_profile.risks] == ["low", "medium", "high"]
    forced = parse_file(path, levels=["二级", "一级"], profile=workspace.profile)
    assert [r.level for r in forced.risks] == ["low", "high", None]
    assert [p.code for p in forced.problems] == ["level_unknown"]


def test_generated_form_keeps_its_id_and_prefill(corpus):
    path = next(p for p in corpus if p.stem.startswith("gen-002-person-assessment"))
    form = parse_file(path)
    assert form.form_id == _expected(path)["form_id"] and form.form_id.startswith("LZ-QZSY2012-B21-P")
    assert form.meta.get("creator")


def test_not_a_form(corpus):
    form = parse_file(_by_name(corpus, "x-not-a-form"))
    assert form.form_type is None and form.risks == [] and form.problems == []


def test_the_bound_that_prunes_matching_is_never_below_a_match(corpus, office) -> None:
    """Choosing the form skips (definition, table) pairs whose best possible score cannot win: that
    is exact only if no header match ever scores above its bound."""
    import io

    from pipeline.parse.docx import read_docx
    from pipeline.parse.layout import Grid
    from pipeline.parse.route import open_docx_zip
    from pipeline.parse.table import fit_bound, indexes, match_header

    pairs = matched = 0
    for path in [p for p in [*corpus, *office] if p.suffix == ".docx"]:
        with open_docx_zip(path, io.BytesIO(path.read_bytes())) as zf:
            grids = [b for b in read_docx(path, zf).blocks if isinstance(b, Grid)]
        for grid in grids:
            for ix in indexes():
                bound = fit_bound(ix, grid)  # before the match is remembered on the grid
                m = match_header(ix, grid)
                pairs += 1
                if m is not None:
                    matched += 1
                    assert bound is not None and m.score <= bound, (path.name, ix.definition.id, m.score, bound)
    assert matched > 100 and pairs > matched
