"""Speed benchmark of TfidfMatcher on synthetic Vietnamese researcher profiles (10,000 and 100,000).

Each case runs in its own process. It reports fit time, peak memory, single-query top-10 latency (median,
p95) against scikit-learn brute force (``linear_kernel`` of the query with the whole document matrix of
the same matcher, per-candidate mean, top-10, timed in the same run) and the time of ``query_many`` for
1,000 queries; ``same_top10`` counts queries whose top 10 equals the brute force's. Single queries, engine
and brute force alike, run ``--repeats`` rounds (3) and each query's fastest round counts, as ``timeit``
advises on a shared machine; ``--repeats 1`` times each query once.

Peak memory (``peak_mb``) is the main process's ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at the end
of the case plus the peak resident memory of each worker process of the fit (which analyses the documents
in ``N_JOBS`` processes), read from the kernel's per-process high-water mark (``VmHWM`` in
``/proc/<pid>/status``) before the workers exit: an upper bound of the simultaneous total. (``ru_maxrss``
of ``RUSAGE_CHILDREN`` is not used for the workers: it also charges each worker the parent's resident size
at the moment it was forked, pages shared with the parent and dropped at ``exec``.) Without ``/proc`` the
workers are counted as ``N_JOBS`` times that ``RUSAGE_CHILDREN`` figure. The machine is shared, so the line
also gives the CPU seconds of the fit (main process and workers) and the load average at the start.

    python bench/matching_speed.py            # 10,000 and 100,000 profiles
    python bench/matching_speed.py --quick    # 2,000 profiles, a smoke run

Each case ends with one machine-readable line: ``profiles=… fit_s=… peak_mb=… query_median_ms=… …``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from joblib.externals.loky import get_reusable_executor

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from matchmaker.matching import Candidate, CandidateMeta, Document, TfidfMatcher  # noqa: E402

TOPICS = (
    "nuôi trồng thủy sản|xâm nhập mặn|biến đổi khí hậu|năng lượng tái tạo|điện mặt trời|học máy|"
    "trí tuệ nhân tạo|internet vạn vật|chuyển đổi số|công nghệ sinh học|giống lúa chịu mặn|cá tra|"
    "tôm thẻ chân trắng|chất lượng nước|quản lý tài nguyên nước|sạt lở bờ sông|nông nghiệp công nghệ cao|"
    "chế biến thực phẩm|an toàn thực phẩm|bảo quản sau thu hoạch|phân bón hữu cơ|vi sinh vật|kháng sinh|"
    "dịch bệnh trên cây trồng|y tế công cộng|dữ liệu lớn|thị giác máy tính|xử lý ảnh|cảm biến|tự động hóa|"
    "robot công nghiệp|logistics|du lịch sinh thái|kinh tế tuần hoàn|xử lý nước thải|chất thải rắn|"
    "khí sinh học|vật liệu nano|hóa học xanh|dược liệu|trái cây nhiệt đới|xoài cát Hòa Lộc|sầu riêng|"
    "bưởi năm roi|chuỗi giá trị nông sản|thương mại điện tử|quản trị doanh nghiệp|tài chính vi mô|"
    "giáo dục đại học|đổi mới sáng tạo|khởi nghiệp|mô hình hóa|viễn thám|hệ thống thông tin địa lý|"
    "thủy văn|ngập lụt đô thị|đa dạng sinh học|rừng ngập mặn|đất phèn|canh tác lúa|cơ giới hóa|"
    "máy nông nghiệp|điện gió ngoài khơi|lưới điện thông minh|pin lưu trữ|chuỗi khối|an ninh mạng|"
    "điện toán đám mây|hệ thống IoT|ứng dụng AI|bộ điều khiển PLC|công nghệ CRISPR|machine learning|"
    "deep learning|renewable energy|aquaculture|salinity intrusion|remote sensing|food safety|"
    "vắc xin thú y|dinh dưỡng vật nuôi|thức ăn thủy sản|men vi sinh|enzyme|protein tái tổ hợp|"
    "kỹ thuật di truyền|chỉ thị phân tử|nấm men|vi tảo|nhựa sinh học|bê tông xanh|giao thông thủy|"
    "quy hoạch đô thị|nhà ở xã hội|pháp luật đất đai|văn hóa Nam Bộ|đờn ca tài tử|chợ nổi Cái Răng"
).split("|")
TEMPLATES = (
    "Nghiên cứu {a} và ứng dụng trong {b} tại {p}",
    "Ứng dụng {a} để nâng cao hiệu quả {b}",
    "Đánh giá tác động của {a} đến {b} ở {p}",
    "Phát triển mô hình {a} phục vụ {b}",
    "Giải pháp {a} nhằm giảm thiểu rủi ro {b} cho nông hộ {p}",
    "Xây dựng hệ thống {a} kết hợp {b} quy mô {n}",
    "Tối ưu hóa quy trình {a} trong sản xuất {b}",
    "Chuyển giao công nghệ {a} cho doanh nghiệp {b} {p}",
)
PLACES = (
    "Cần Thơ|ĐBSCL|Hậu Giang|Sóc Trăng|An Giang|Vĩnh Long|Kiên Giang|Bạc Liêu|Cà Mau|Trà Vinh|Đồng Tháp|"
    "Bến Tre|Tiền Giang|quận Ninh Kiều|huyện Phong Điền|huyện Cờ Đỏ|huyện Thới Lai|quận Ô Môn|quận Thốt Nốt"
).split("|")
AMOUNTS = ("5 ha", "10 kW", "2,5 tấn", "30%", "4 ppt", "100 m3", "50 kWh", "1.000 hộ")
SURNAMES = "Nguyễn Trần Lê Phạm Huỳnh Hoàng Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Châu Lâm Tạ Quách".split()
GIVEN = "An Bình Cường Dũng Giang Hà Hải Hạnh Hiếu Hòa Hùng Khánh Lan Linh Long Mai Minh Nam Ngọc".split()
MIDDLE = "Văn Thị Minh Thanh Quốc Hữu Ngọc Thành Kim Hoàng".split()
KINDS = ("university", "institute", "enterprise", "hospital")
N_JOBS = 2
DOCS_PER_CANDIDATE = 3


def sentence(rng: np.random.Generator) -> str:
    a, b = rng.choice(TOPICS, 2, replace=False)
    template = TEMPLATES[rng.integers(len(TEMPLATES))]
    return template.format(a=a, b=b, p=rng.choice(PLACES), n=rng.choice(AMOUNTS))


def make_candidates(n: int, seed: int = 0) -> list[Candidate]:
    """``n`` researchers: a profile (name, keywords, 3–5 sentences) and two publications each
    (``DOCS_PER_CANDIDATE`` documents)."""
    rng = np.random.default_rng(seed)
    candidates = []
    for i in range(n):
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        profile = Document(
            f"profile:{i}",
            title=f"TS. {name}",
            keywords=", ".join(rng.choice(TOPICS, rng.integers(3, 7), replace=False)),
            body=". ".join(sentence(rng) for _ in range(rng.integers(3, 6))),
        )
        pubs = tuple(
            Document(f"pub:{i}:{j}", title=sentence(rng), keywords=rng.choice(TOPICS))
            for j in range(DOCS_PER_CANDIDATE - 1)
        )
        meta = CandidateMeta(
            fields=frozenset({str(rng.choice(TOPICS))}),
            institution_id=f"inst:{rng.integers(200)}",
            institution_kind=str(rng.choice(KINDS)),
        )
        candidates.append(Candidate(f"r:{i}", (profile, *pubs), meta))
    return candidates


def make_queries(n: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    return [
        f"Đặt hàng nghiên cứu: {sentence(rng)}. Yêu cầu: {sentence(rng)}."
        for _ in range(n)
    ]


def brute_force(
    matcher: TfidfMatcher, matrix, starts: np.ndarray, text: str
) -> list[int]:
    """Top-10 candidate indices by scikit-learn's linear_kernel over every document.

    A candidate's score is the mean of its ``top_docs`` best document scores, as the matcher's; every
    synthetic candidate has 3 documents, so with ``top_docs >= 3`` that is the mean of all of them.
    """
    from sklearn.metrics.pairwise import linear_kernel

    vector = matcher.vectorizer_.transform([Document("", body=text)])
    scores = linear_kernel(vector, matrix).ravel()
    sizes = matcher.index_.n_docs
    top_docs = matcher.top_docs
    if top_docs is None or top_docs >= DOCS_PER_CANDIDATE:
        per_candidate = np.add.reduceat(scores, starts) / sizes
    else:
        best = -np.sort(-scores.reshape(-1, DOCS_PER_CANDIDATE), axis=1)
        per_candidate = best[:, :top_docs].mean(axis=1)
    top = np.argpartition(-per_candidate, 9)[:10]
    return top[np.lexsort((top, -per_candidate[top]))].tolist()


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def worker_peaks_mb() -> list[float] | None:
    """Peak resident memory (``VmHWM``) of each live child process, in MB; ``None`` without ``/proc``."""
    if not Path("/proc/self/status").exists():
        return None
    me, peaks = os.getpid(), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent != me:
                continue
            for line in (stat.parent / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return peaks


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_of(repeats: int, run, queries: list[str]) -> np.ndarray:
    """Each query's fastest time over ``repeats`` rounds of all the queries (as ``timeit`` advises: the
    slower rounds measure the other processes on the machine, not the code)."""
    rounds = [[timed(run, q)[0] for q in queries] for _ in range(repeats)]
    return np.min(rounds, axis=0)


def run_case(n: int, n_single: int, repeats: int = 3) -> str:
    load = os.getloadavg()[0]
    candidates = make_candidates(n)
    queries = make_queries(1000)
    cpu = cpu_seconds()
    fit_s, matcher = timed(TfidfMatcher(n_jobs=N_JOBS).fit, candidates)
    workers = worker_peaks_mb()
    get_reusable_executor().shutdown(wait=True)
    fit_cpu = cpu_seconds() - cpu
    matrix = matcher.index_.rows
    starts = matcher.index_.spans[:, 0]
    single = best_of(repeats, lambda q: matcher.query(q, 10), queries[:n_single])
    brute = best_of(
        repeats, lambda q: brute_force(matcher, matrix, starts, q), queries[:n_single]
    )
    same = sum(
        [matcher.candidates_.index[m.candidate_id] for m in matcher.query(q, 10)]
        == brute_force(matcher, matrix, starts, q)
        for q in queries[:50]
    )
    batch_s, _ = timed(matcher.query_many, queries, 10)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if workers is None:
        workers = [
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        ] * N_JOBS
    peak_mb = own + sum(workers)
    median, p95 = np.median(single) * 1e3, np.percentile(single, 95) * 1e3
    brute_median = np.median(brute) * 1e3
    return (
        f"profiles={n} docs={len(matcher.doc_ids_)} features={len(matcher.vectorizer_.idf_)} "
        f"fit_s={fit_s:.1f} peak_mb={peak_mb:.0f} query_median_ms={median:.2f} query_p95_ms={p95:.2f} "
        f"bruteforce_median_ms={brute_median:.2f} speedup={brute_median / median:.1f} "
        f"batch1000_s={batch_s:.2f} same_top10={same}/50 repeats={repeats} fit_cpu_s={fit_cpu:.1f} "
        f"main_peak_mb={own:.0f} worker_peaks_mb={'+'.join(f'{w:.0f}' for w in workers)} "
        f"load1={load:.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="one case of 2,000 profiles"
    )
    parser.add_argument("--profiles", type=int, help="run one case in this process")
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="rounds of single queries; each query's best counts",
    )
    parser.add_argument(
        "--single", type=int, default=200, help="single queries timed per case"
    )
    args = parser.parse_args(argv)
    if args.profiles:
        print(run_case(args.profiles, args.single, args.repeats), flush=True)
        return 0
    sizes = [2000] if args.quick else [10_000, 100_000]
    lines = []
    for n in sizes:
        command = [
            sys.executable,
            __file__,
            "--profiles",
            str(n),
            "--single",
            str(args.single),
            "--repeats",
            str(args.repeats),
        ]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        lines.append(out.strip().splitlines()[-1])
        print(f"{n} profiles done", flush=True)
    targets = "targets at 100,000: median <= 5 ms, speedup >= 20, batch1000 <= 10 s, fit <= 60 s, peak <= 2048 MB"
    print(targets)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
