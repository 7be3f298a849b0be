"""Benchmark of the search index: batch indexing throughput and query latency on synthetic projects."""

# Run: PYTHONPATH=. .venv/bin/python bench/search_speed.py [--quick] [--sizes 10000 100000]
# The last lines are machine-readable, one per size:
#   projects=N index_docs_per_s=… index_docs_per_cpu_s=… query_median_ms=… query_p95_ms=…
#   cold_median_ms=… cold_p95_ms=…
# query_*: warm posting cache, as in a long-running worker; cold_*: first run of each query on a
# freshly opened index. CPU seconds add up all indexing processes: on a busy machine the
# wall-clock rate understates what the indexer does.

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

from matchmaker.search_index import IndexDoc, SearchIndex

TOPICS = [
    "nuôi trồng thủy sản",
    "nuôi tôm thẻ chân trắng",
    "cá tra xuất khẩu",
    "giống lúa chịu mặn",
    "canh tác lúa thông minh",
    "xâm nhập mặn",
    "biến đổi khí hậu",
    "điện mặt trời áp mái",
    "năng lượng tái tạo",
    "y tế cơ sở",
    "chăm sóc sức khỏe cộng đồng",
    "công nghệ sinh học",
    "chế phẩm vi sinh",
    "trí tuệ nhân tạo",
    "học máy",
    "công nghệ chuỗi khối",
    "tự động hóa",
    "chuyển đổi số",
    "nông nghiệp công nghệ cao",
    "xử lý nước thải",
    "cây ăn trái",
    "bảo quản sau thu hoạch",
    "logistics đồng bằng sông Cửu Long",
    "du lịch sinh thái",
    "đô thị thông minh",
    "internet vạn vật",
    "phân bón hữu cơ",
    "an toàn thực phẩm",
]
VERBS = [
    "Nghiên cứu",
    "Ứng dụng",
    "Phát triển",
    "Xây dựng mô hình",
    "Đánh giá",
    "Thử nghiệm",
    "Chuyển giao",
]
PLACES = [
    "tại Cần Thơ",
    "ở quận Ninh Kiều",
    "tại huyện Phong Điền",
    "ở Thốt Nốt",
    "vùng Đồng bằng sông Cửu Long",
]
FILLERS = [
    "nhằm nâng cao năng suất và hiệu quả kinh tế cho người dân",
    "với sự tham gia của doanh nghiệp và hợp tác xã",
    "góp phần giảm phát thải và bảo vệ môi trường",
    "kết hợp dữ liệu cảm biến và phân tích thống kê",
    "đề xuất giải pháp chính sách cho thành phố",
    "đào tạo nguồn nhân lực chất lượng cao",
    "thiết kế quy trình kỹ thuật phù hợp điều kiện địa phương",
    "đánh giá tác động kinh tế xã hội trong giai đoạn 2021-2025",
]
INSTITUTIONS = [
    "Trường Đại học Cần Thơ",
    "Trường Đại học Y Dược Cần Thơ",
    "Trường Đại học Kỹ thuật - Công nghệ Cần Thơ",
    "Viện Lúa Đồng bằng sông Cửu Long",
    "Sở Khoa học và Công nghệ Cần Thơ",
    "Trường Đại học Nam Cần Thơ",
    "Công ty Cổ phần Thủy sản Mekong",
]
FIELDS = [
    "Nông nghiệp",
    "Thủy sản",
    "Năng lượng",
    "Y tế",
    "Công nghệ thông tin",
    "Môi trường",
    "Kinh tế",
]
PRIORITIES = [
    "Nông nghiệp thông minh",
    "Thích ứng biến đổi khí hậu",
    "Chuyển đổi số",
    "Y tế cộng đồng",
]
STATUSES = ["đang thực hiện", "đã nghiệm thu", "đề xuất"]
QUERIES = [
    "nuôi trồng thủy sản",
    "nuoi trong thuy san",
    "điện mặt trời",
    "dien mat troi",
    "xâm nhập mặn",
    "xam nhap man",
    '"công nghệ sinh học"',
    '"cong nghe sinh hoc"',
    "trí tuệ nhân tạo y tế",
    "tri tue nhan tao y te",
    "chuyển đổi số",
    "chuyen doi so",
    "giống lúa chịu mặn Cần Thơ",
    "giong lua chiu man",
    "chuỗi khối",
    "tự động hóa",
    "nghiên cứu",
    "nghien cuu",
    "Ninh Kiều",
    "thủy*",
]


def projects(count: int, seed: int = 42) -> Iterator[IndexDoc]:
    """Yield ``count`` synthetic projects in Vietnamese, the same ones for the same seed."""
    rng = random.Random(seed)
    start = datetime(2015, 1, 1)
    for i in range(count):
        topics = rng.sample(TOPICS, 3)
        title = f"{rng.choice(VERBS)} {topics[0]} {rng.choice(PLACES)}"
        sentences = [
            f"{rng.choice(VERBS)} {topic} {rng.choice(FILLERS)} {rng.choice(PLACES)}."
            for topic in topics
        ]
        sentences += [
            f"{rng.choice(FILLERS).capitalize()}." for _ in range(rng.randint(2, 5))
        ]
        date = start + timedelta(days=rng.randint(0, 3800))
        yield IndexDoc(
            kind="project",
            id=str(i),
            title=title,
            body=" ".join(sentences),
            keywords=tuple(topics[1:]),
            institution=rng.choice(INSTITUTIONS),
            field=rng.choice(FIELDS),
            priority_area=rng.choice(PRIORITIES),
            status=rng.choice(STATUSES),
            year=date.year,
            date=date,
        )


def percentile(values: list[float], fraction: float) -> float:
    """Return the ``fraction`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the indexing processes)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_queries(index: SearchIndex, label: str) -> list[float]:
    """Run every query once (top 20 with facet counts) and return the latencies in ms."""
    latencies: list[float] = []
    for text in QUERIES:
        began = time.perf_counter()
        result = index.search(text, limit=20)
        latencies.append((time.perf_counter() - began) * 1000)
        print(f"{label} {text!r}: {result.total} hits, {latencies[-1]:.1f} ms")
    return latencies


def run(size: int, procs: int, rounds: int) -> str:
    """Index ``size`` projects, time the queries and return the summary line.

    ``query_*`` is the steady state of a long-running worker, whose posting cache holds the words
    of earlier queries; ``cold_*`` is each query's first run on a freshly opened index.
    """
    with tempfile.TemporaryDirectory() as tmp:
        index = SearchIndex(tmp)
        began, cpu_began = time.perf_counter(), cpu_seconds()
        index.rebuild(projects(size), procs=procs)
        rate = size / (time.perf_counter() - began)
        cpu_rate = size / (cpu_seconds() - cpu_began)
        print(
            f"[{size}] indexed at {rate:,.0f} docs/s ({cpu_rate:,.0f} docs per CPU second)"
        )
        index.search(
            "khởi động"
        )  # opens the index and loads facet columns, as a worker would
        cold = time_queries(index, f"[{size} cold]")
        warm = [
            ms
            for i in range(rounds)
            for ms in time_queries(index, f"[{size} warm {i}]")
        ]
        index.close()
    return (
        f"projects={size} index_docs_per_s={rate:.0f} index_docs_per_cpu_s={cpu_rate:.0f}"
        f" query_median_ms={statistics.median(warm):.1f} query_p95_ms={percentile(warm, 0.95):.1f}"
        f" cold_median_ms={statistics.median(cold):.1f} cold_p95_ms={percentile(cold, 0.95):.1f}"
    )


def main() -> None:
    """Parse arguments and run the benchmark for each size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one small run (2,000 projects) for smoke tests",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--procs", type=int, default=2, help="indexing processes")
    parser.add_argument("--rounds", type=int, default=3, help="warm runs of each query")
    args = parser.parse_args()
    sizes = [2_000] if args.quick else args.sizes
    lines = [run(size, args.procs, args.rounds) for size in sizes]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
