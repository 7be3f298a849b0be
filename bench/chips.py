"""Explanation chips on the demo data: how many are shown, how many cut a word or pair two words, how fast.

The demo data is loaded as ``matchmaker demo-data`` loads it, into a temporary SQLite database and matching
model. Every explanation the services compute is recorded (``TfidfMatcher.explain`` is wrapped): the
researchers and institutions matched to each demo order and need (as the demo official sees them), the
orders and needs similar to each order (duplicates) and the calls recommended to each researcher.

The reference for word boundaries is pyvi's word segmenter (a CRF trained on the VLSP treebank), used here
only as a judge when it is installed:

- a chip is **mid-word** when, at a place where the query or one of the candidate's texts writes it, pyvi
  joins its first (last) word to the word before (after) it, and not to the next word inside the chip: the
  chip holds a lone syllable of a longer word ("phần mềm [quản]_lý", "giảm [tăng]_trưởng");
- a **stray pair** is a mid-word chip of two or more words of which pyvi joins no two, wherever the texts
  write it ("giảm tăng");
- ``in_pyvi_phrase`` counts every chip that pyvi joins to a word outside it, however many of its words the
  joined unit holds; pyvi also joins whole words into phrases ("[kết_hợp]_lưu_trữ", "tự_[phát_triển]"), so
  this count is an upper bound, shown for comparison.

    python bench/chips.py [--show]      # --show lists every flagged chip

The last line is machine-readable: ``explanations=… chips=… chips_per_explanation=… mid_word=… in_pyvi_phrase=… stray_pairs=…
empty=… ms_per_explanation=… ms_p95=…``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from matchmaker import create_app  # noqa: E402
from matchmaker.config import TestConfig  # noqa: E402
from matchmaker.demo import loader as demo  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.matching import Document, TfidfMatcher, tokenise  # noqa: E402
from matchmaker.models import ResearcherProfile, ResearchOrder, TechNeed, User  # noqa: E402
from matchmaker.services.matching import corpus, matches  # noqa: E402
from matchmaker.services.matching import model as matching_model  # noqa: E402


@dataclass(frozen=True)
class Explained:
    """One recorded explanation: the query, the candidate's texts and keywords, the chips, the time."""

    query: str
    texts: tuple[str, ...]
    words: tuple[str, ...]
    terms: tuple[str, ...]
    seconds: float
    matcher: int  # id() of the matcher: which group of the model explained it


def record(log: list[Explained]) -> None:
    """Wrap ``TfidfMatcher.explain`` so that every call is appended to ``log``."""
    original = TfidfMatcher.explain

    def explain(self, text, texts, words=(), n=None):
        texts, words = tuple(texts), tuple(words)
        began = time.perf_counter()
        terms = original(self, text, texts, words, n)
        seconds = time.perf_counter() - began
        if isinstance(text, Document):
            text = "\n".join(p for p in (text.title, text.keywords, text.body) if p)
        log.append(Explained(text, texts, words, terms, seconds, id(self)))
        return terms

    TfidfMatcher.explain = explain


def keys(text: str) -> list[str]:
    """The words of ``text`` as the matcher writes them (lower case, one tone placement)."""
    return [token.text for phrase in tokenise(text) for token in phrase]


class Judge:
    """Word boundaries by pyvi: each text as a list of (word key, word number)."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pyvi import ViTokenizer

        self.tokenize = ViTokenizer.tokenize
        self.cache: dict[str, list[tuple[str, int]]] = {}

    def stream(self, text: str) -> list[tuple[str, int]]:
        if text not in self.cache:
            out: list[tuple[str, int]] = []
            for number, word in enumerate(self.tokenize(text).split()):
                for syllable in word.split("_"):
                    out.extend((key, number) for key in keys(syllable) or ["·"])
            self.cache[text] = out
        return self.cache[text]

    def places(self, chip: list[str], text: str):
        stream = self.stream(text)
        size = len(chip)
        for i in range(len(stream) - size + 1):
            if [key for key, _ in stream[i : i + size]] == chip:
                yield stream, i, i + size

    def cuts_a_word(self, chip: list[str], texts: list[str], lone: bool) -> str:
        """Where pyvi puts a word across an end of ``chip`` in one of ``texts`` ("" if nowhere); with
        ``lone``, only a word of which the chip holds a single syllable ("phần mềm [quản]_lý")."""
        for text in texts:
            for stream, i, j in self.places(chip, text):
                starts = i > 0 and stream[i - 1][1] == stream[i][1]
                ends = j < len(stream) and stream[j][1] == stream[j - 1][1]
                if lone:
                    starts = starts and (j - i == 1 or stream[i + 1][1] != stream[i][1])
                    ends = ends and (j - i == 1 or stream[j - 2][1] != stream[j - 1][1])
                if starts or ends:
                    return self.context(stream, i, j)
        return ""

    def pairs_words(self, chip: list[str], texts: list[str]) -> bool:
        """Whether pyvi joins no two neighbouring words of ``chip`` wherever ``texts`` write it."""
        for text in texts:
            for stream, i, j in self.places(chip, text):
                if any(stream[at][1] == stream[at + 1][1] for at in range(i, j - 1)):
                    return False
        return True

    @staticmethod
    def context(stream: list[tuple[str, int]], i: int, j: int) -> str:
        """The words around ``stream[i:j]``, pyvi's words joined by "_", the chip in brackets."""
        out = ""
        for at in range(max(i - 3, 0), min(j + 3, len(stream))):
            glue = "_" if at and stream[at - 1][1] == stream[at][1] else " "
            glue += "[" if at == i else ""
            glue = ("]" if at == j else "") + glue
            out += glue + stream[at][0]
        return out.strip() + ("]" if j == len(stream) else "")


def collect(groups: dict[int, str]) -> list[Explained]:
    """Load the demo data into a temporary app and record the explanations the services compute; ``groups``
    gets the name of each matcher of the model (researchers, texts, staff_texts), by id."""
    log: list[Explained] = []
    with tempfile.TemporaryDirectory() as tmp:

        class BenchConfig(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/chips.db"
            MATCHMAKER_DATA_DIR = tmp

        app = create_app(BenchConfig)
        with app.app_context():
            db.create_all()
            demo.load_demo_data()
            matches.refit()
            matches.wait_for_refit(app)
            official = db.session.scalar(
                sa.select(User).where(User.email == demo.APPROVING_OFFICIAL)
            )
            with matching_model.serving() as model:
                groups.update({id(g.matcher): name for name, g in model.groups.items()})
            record(log)
            orders = db.session.scalars(sa.select(ResearchOrder).order_by("id")).all()
            needs = db.session.scalars(sa.select(TechNeed).order_by("id")).all()
            for order in orders:
                matches.matches_for_order(order, official)
                document = corpus.order_document(order, full=True)
                matches.duplicates_for_text(document, order.id, viewer=official)
            for need in needs:
                matches.matches_for_need(need, official)
            researchers = db.session.scalars(
                sa.select(User).join(ResearcherProfile).order_by(User.id)
            ).all()
            for user in researchers:
                matches.recommendations_for(user)
            db.session.remove()
            db.engine.dispose()
    return log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list the flagged chips")
    args = parser.parse_args()
    groups: dict[int, str] = {}
    log = collect(groups)
    try:
        judge: Judge | None = Judge()
    except ImportError:
        judge = None
        print("pyvi is not installed: mid-word and stray-pair chips are not counted")
    mid, loose, stray, shown = Counter(), Counter(), Counter(), Counter()
    where: dict[str, str] = {}
    for item in log:
        for term in item.terms:
            chip = keys(term)
            shown[term] += 1
            if judge is None:
                continue
            texts = [item.query, *item.texts]
            context = judge.cuts_a_word(chip, texts, lone=True)
            if context:
                mid[term] += 1
                where.setdefault(term, context)
                if len(chip) > 1 and judge.pairs_words(chip, texts):
                    stray[term] += 1
            context = judge.cuts_a_word(chip, texts, lone=False)
            if context:
                loose[term] += 1
                where.setdefault(term, context)
    if args.show:
        lists = (("mid-word", mid), ("stray pair", stray), ("in a pyvi phrase", loose))
        for name, counter in lists:
            print(f"\n{name} chips ({sum(counter.values())}):")
            for term, count in counter.most_common():
                print(f"  {count:3d}  {term:<30} {where.get(term, '')}")
        print("\nmost shown chips:")
        for term, count in shown.most_common(40):
            print(f"  {count:3d}  {term}")
    times = sorted(item.seconds * 1000 for item in log)
    chips = sum(shown.values())
    fields = {
        "explanations": len(log),
        "chips": chips,
        "distinct_chips": len(shown),
        "chips_per_explanation": f"{chips / max(len(log), 1):.2f}",
        "mid_word": sum(mid.values()) if judge else "n/a",
        "in_pyvi_phrase": sum(loose.values()) if judge else "n/a",
        "stray_pairs": sum(stray.values()) if judge else "n/a",
        "empty": sum(1 for item in log if not item.terms),
        "ms_per_explanation": f"{statistics.fmean(times):.2f}",
        "ms_p95": f"{times[int(0.95 * (len(times) - 1))]:.2f}",
    }
    for name in sorted(set(groups.values())):
        mine = [item for item in log if groups.get(item.matcher) == name]
        if mine:
            count = sum(len(item.terms) for item in mine)
            empty = sum(1 for item in mine if not item.terms)
            print(
                f"{name}: explanations={len(mine)} chips_per_explanation="
                f"{count / len(mine):.2f} empty={empty}"
            )
    print(" ".join(f"{key}={value}" for key, value in fields.items()))


if __name__ == "__main__":
    main()
