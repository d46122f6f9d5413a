"""Pure image work on alert photos, with Pillow and no Django: re-encoding without any trace, and
blurring regions for good. The services in `alerts.photos` call these from a Celery worker.

Why a rebuild from pixels rather than "save without EXIF": Pillow carries some blocks over by
default (a JPEG's COM comment, a PNG's text chunks, an ICC profile on request), and a format may
grow blocks Pillow does not know. A new image made from the decoded pixels alone has no `info` at
all, so nothing but pixels can reach the output; bytes after the end of the image (a polyglot's
HTML) are never decoded, so they cannot come back either."""

import io
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from PIL import Image, ImageCms, ImageFilter, ImageOps

# What a sniffed type must be to go further (the name and the browser's declared type are ignored).
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
# The format Pillow must find when it opens the file: the same answer as the sniffer, or a refusal.
_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_SRGB = ImageCms.createProfile("sRGB")


class PhotoRefused(ValueError):
    """The file is not a photo we can take: wrong type, too many pixels, not decodable."""


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    width: int
    height: int
    # Where the face detector sees faces: suggestions for the moderator, never blurred by themselves.
    faces: list[list[float]] = field(default_factory=list)


def header_check(stream, *, content_type: str, max_pixels: int) -> tuple[int, int]:
    """Read only the header (no pixel is decoded): the format must match the sniffed type and the
    size stay under `max_pixels`. Cheap enough for the request; the worker checks again."""
    try:
        with Image.open(stream, formats=[_PILLOW_FORMATS[content_type]]) as image:
            width, height = image.size
    except (OSError, KeyError, Image.DecompressionBombError, ValueError) as error:
        raise PhotoRefused(str(error)) from error
    if width * height > max_pixels:
        raise PhotoRefused(f"{width}x{height}")
    return width, height


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours into sRGB, so the (possibly device-describing) ICC profile can be dropped without
    the photo turning pale or garish."""
    profile = image.info.get("icc_profile")
    if image.mode == "CMYK" or profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile)) if profile else _SRGB
            return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        return flat
    return image.convert("RGB")


def reencode(source, *, content_type: str, max_pixels: int, max_side: int, quality: int = 85) -> CleanPhoto:
    """Decode the photo, apply its orientation, shrink it to `max_side`, and encode a new JPEG made
    from its pixels only: no EXIF (GPS, camera, serial, thumbnail), XMP, IPTC, ICC, comment, and
    nothing after the image. Shrinking also blurs the sensor's noise pattern, which can tell which
    camera took a photo."""
    if content_type not in PHOTO_TYPES:
        raise PhotoRefused(content_type)
    try:
        with Image.open(source, formats=[_PILLOW_FORMATS[content_type]]) as image:
            if image.width * image.height > max_pixels:
                raise PhotoRefused(f"{image.width}x{image.height}")
            # JPEG only: decode at 1/2, 1/4 or 1/8 straight from the DCT when that is still at
            # least the target size: four times less work on a 12-megapixel photo.
            long_side = max(image.size)
            if long_side > max_side:
                image.draft("RGB", tuple(-(-side * max_side // long_side) for side in image.size))
            image = ImageOps.exif_transpose(image)  # orientation applied, then dropped with the rest
            image = _to_srgb(image)
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
            pixels = Image.frombytes("RGB", image.size, image.tobytes())
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        if isinstance(error, PhotoRefused):
            raise
        raise PhotoRefused(str(error)) from error
    return CleanPhoto(_jpeg(pixels, quality), pixels.width, pixels.height, faces_find(pixels))


# Faces are looked for on a copy this long at most, 20 % larger from one scale to the next: at 1024
# px and 10 % steps the detector took 1.1 s of a 12-megapixel photo's worker time (bench/photos.py);
# here 0.44 s. A face under 24 px at this size (60 px of the 2000 px kept) is missed.
_FACES_SIDE = 800
_FACES_MAX = 20
# Haar boxes hold eyes to mouth: widened so that the suggestion covers hair, ears and chin.
_FACES_MARGIN = 0.2


@cache
def _face_cascade():
    import cv2  # only the photo worker loads OpenCV, never the web processes

    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def faces_find(image: Image.Image) -> list[list[float]]:
    """Frontal faces found by OpenCV's bundled Haar cascade, as [x, y, width, height] fractions of
    the photo, widened by a margin. A detector misses faces in profile, small or in shade, and
    sees faces in some patterns: what it finds is offered to the moderator, who decides."""
    gray = image.convert("L")
    gray.thumbnail((_FACES_SIDE, _FACES_SIDE), Image.Resampling.BILINEAR)
    found = _face_cascade().detectMultiScale(np.asarray(gray), scaleFactor=1.2, minNeighbors=5, minSize=(24, 24))
    faces = []
    for x, y, w, h in sorted((tuple(int(v) for v in box) for box in found), key=lambda b: -b[2] * b[3]):
        margin_x, margin_y = w * _FACES_MARGIN, h * _FACES_MARGIN
        left, top = max(0.0, (x - margin_x) / gray.width), max(0.0, (y - margin_y) / gray.height)
        right = min(1.0, (x + w + margin_x) / gray.width)
        bottom = min(1.0, (y + h + margin_y) / gray.height)
        faces.append([round(v, 4) for v in (left, top, right - left, bottom - top)])
    return faces[:_FACES_MAX]


def _jpeg(image: Image.Image, quality: int) -> bytes:
    output = io.BytesIO()
    # Explicitly empty: Pillow would otherwise copy a comment left in `info`.
    image.save(output, "JPEG", quality=quality, exif=b"", comment=b"", icc_profile=None, optimize=False)
    return output.getvalue()


def blur_regions(data: bytes, regions: list[list[float]], *, quality: int = 85) -> bytes:
    """Blur each region (x, y, width, height as fractions of the photo) beyond recovery: pixelate
    to blocks of about a twentieth of the region, then a strong Gaussian blur over the blocks. The
    pixels are replaced, not covered, so no later step can bring them back."""
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as opened:
        image = opened.convert("RGB")
    for box in _pixel_boxes(regions, image.width, image.height):
        left, top, right, bottom = box
        crop = image.crop(box)
        block = max(4, max(right - left, bottom - top) // 20)
        small = crop.resize((max(1, crop.width // block), max(1, crop.height // block)), Image.Resampling.BOX)
        mosaic = small.resize(crop.size, Image.Resampling.NEAREST)
        image.paste(mosaic.filter(ImageFilter.GaussianBlur(radius=block)), box)
    return _jpeg(image, quality)


def _pixel_boxes(regions: list[list[float]], width: int, height: int):
    for x, y, w, h in regions:
        left, top = int(x * width), int(y * height)
        right, bottom = min(width, round((x + w) * width)), min(height, round((y + h) * height))
        if right - left >= 2 and bottom - top >= 2:
            yield left, top, right, bottom


def regions_parse(raw) -> list[list[float]]:
    """Regions as the moderation page sends them: a list of [x, y, width, height], fractions of the
    photo in 0..1. Anything else is refused with ValueError."""
    if not isinstance(raw, list) or len(raw) > 50:
        raise ValueError("regions: a list of at most 50 rectangles")
    regions = []
    for region in raw:
        if not (isinstance(region, list) and len(region) == 4):
            raise ValueError("region: [x, y, width, height]")
        x, y, w, h = (float(value) for value in region)
        if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 and 0 < h <= 1):
            raise ValueError("region: fractions of the photo between 0 and 1")
        regions.append([x, y, min(w, 1 - x), min(h, 1 - y)])
    return regions
