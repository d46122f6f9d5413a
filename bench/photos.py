"""Photo processing of an alert (#15): what the Celery worker does to a 12-megapixel phone JPEG.

    .venv/bin/python bench/photos.py [--photos 10] [--megapixels 12]

Times, per photo, the worker's re-encoding (`alerts.imaging.reencode`: orientation, sRGB, shrink to
ALERTS_PHOTO_MAX_SIDE, rebuild from pixels, JPEG without any metadata, face suggestions; the face
detector alone is also timed on the re-encoded photos) and the blur at publication
(`alerts.imaging.blur_regions`, three regions), and prints them beside:
- the floor: Pillow decoding the same JPEG and encoding it again at full size, nothing else;
- the naive way: open, apply the orientation and save with Pillow's defaults, EXIF passed on as most
  code does to keep the orientation (and with it the GPS position and the thumbnail).
The target is under 1 s per photo in a worker. Needs no database: the worker's work is pure Pillow.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alerts import imaging  # noqa: E402

MAX_SIDE = int(os.environ.get("ALERTS_PHOTO_MAX_SIDE", "2000"))


def phone_jpeg(megapixels: float, seed: int) -> bytes:
    """A photo-like 4:3 JPEG at quality 92 with EXIF (orientation, GPS) as a phone writes it."""
    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = width * 3 // 4
    rng = np.random.default_rng(seed)
    y, x = np.ogrid[0:height, 0:width]
    shade = (np.sin(x / 97.0) * 60 + np.cos(y / 53.0) * 60 + 128).astype(np.float32)
    image = np.empty((height, width, 3), np.uint8)
    for channel, gain in enumerate((1.0, 0.8, 0.6)):
        image[..., channel] = np.clip(shade * gain + rng.normal(0, 10, (height, width)), 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (43.0, 0.0, 36.0), 3: "E", 4: (5.0, 0.0, 36.0)})
    output = io.BytesIO()
    Image.fromarray(image).save(output, "JPEG", quality=92, exif=exif)
    return output.getvalue()


def floor(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        output = io.BytesIO()
        image.save(output, "JPEG", quality=85)
    return output.getvalue()


def naive(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        turned = ImageOps.exif_transpose(image)
        output = io.BytesIO()
        turned.save(output, "JPEG", exif=image.info.get("exif", b""))
    return output.getvalue()


def ours(data: bytes) -> bytes:
    return imaging.reencode(io.BytesIO(data), content_type="image/jpeg", max_pixels=50_000_000, max_side=MAX_SIDE).data


def blur(clean: bytes) -> bytes:
    return imaging.blur_regions(clean, [[0.1, 0.1, 0.2, 0.25], [0.5, 0.4, 0.3, 0.1], [0.7, 0.7, 0.1, 0.2]])


def decoded(clean: bytes) -> Image.Image:
    with Image.open(io.BytesIO(clean)) as image:
        return image.convert("RGB")


def timed(function, inputs: list[bytes]) -> tuple[list[float], list[bytes]]:
    times, outputs = [], []
    for data in inputs:
        start = time.perf_counter()
        outputs.append(function(data))
        times.append(time.perf_counter() - start)
    return times, outputs


def describe(name: str, times: list[float]) -> float:
    median = statistics.median(times)
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    print(f"{name:<38} median {median * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms")
    return median


def load_average() -> str:
    return Path("/proc/loadavg").read_text().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--megapixels", type=float, default=12.0)
    args = parser.parse_args()
    print(f"load average at start: {load_average()}")
    photos = [phone_jpeg(args.megapixels, seed) for seed in range(args.photos)]
    with Image.open(io.BytesIO(photos[0])) as first:
        size = first.size
    megabytes = statistics.median(len(p) for p in photos) / 1e6
    print(f"{args.photos} photos of {size[0]}x{size[1]} ({size[0] * size[1] / 1e6:.1f} MP), median {megabytes:.1f} MB")
    print(f"output longest side {MAX_SIDE}")
    timed(ours, photos[:1])  # warm-up: imports, profiles
    ours_times, cleaned = timed(ours, photos)
    floor_times, _ = timed(floor, photos)
    naive_times, naive_out = timed(naive, photos)
    blur_times, _ = timed(blur, cleaned)
    faces_times, _ = timed(imaging.faces_find, [decoded(clean) for clean in cleaned])
    ours_median = describe("worker re-encoding (ours)", ours_times)
    floor_median = describe("floor: Pillow decode + encode", floor_times)
    naive_median = describe("naive: Pillow save keeping EXIF", naive_times)
    blur_median = describe("blur at publication, 3 regions", blur_times)
    describe("face suggestions (part of ours)", faces_times)
    print(f"ours / floor: {ours_median / floor_median:.2f}x   ours / naive: {ours_median / naive_median:.2f}x")
    print(f"re-encoding + blur per photo: {(ours_median + blur_median) * 1000:.0f} ms (target < 1000 ms)")
    print(f"GPS left: naive {sum(b'PhoneMaker' in out for out in naive_out)}/{len(naive_out)}, "
          f"ours {sum(b'PhoneMaker' in out or b'Exif' in out for out in cleaned)}/{len(cleaned)}")  # fmt: skip
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
