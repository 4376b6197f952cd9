"""Uploaded photos, decoded and written anew with Pillow, once, when they arrive.

What is stored is only the pixels: turned upright as the camera's EXIF orientation says, then encoded
again without EXIF (GPS position, camera serial number), ICC profile, text chunks or anything after the
image's end, so a file that is also an HTML page or a script loses that part. Pillow reads a file's size
from its header before decoding it, so an image of more pixels than a phone takes (a decompression
bomb: a few kilobytes of compressed zeros claiming 20,000 × 20,000 pixels) is refused undecoded.
"""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from services.core.errors import Invalid

# Pillow's plugin names, and the media type the file is served as.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Many phones write multi-picture JPEGs (MPO: the photo, then a depth map or a preview); Pillow's JPEG
# plugin opens them as MPO, and the first picture is kept as a JPEG.
WRITTEN_AS = {"MPO": "JPEG"}
# A 40-megapixel photo decodes to 120 MB of RGB; a phone's usual photo is 12 megapixels.
MAX_PIXELS = 40_000_000
# Visually the same as a phone's own encoding, smaller on the citizens' mobile data.
QUALITY = 85


def reencode(data: bytes) -> tuple[bytes, str] | None:
    """The image written anew and its media type; None when `data` is not a JPEG, PNG or WebP file.

    Raises Invalid `image_too_large` or `image_unreadable`.
    """
    out = io.BytesIO()
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))  # reads the header only
        if image.width * image.height > MAX_PIXELS:
            raise _too_large()
        ImageOps.exif_transpose(image, in_place=True)  # decodes the pixels
        # Only transparency survives from what the file said about itself; EXIF, ICC and text do not.
        image.info = {k: v for k, v in image.info.items() if k == "transparency"}
        kind = WRITTEN_AS.get(image.format, image.format)
        image.save(out, kind, **({} if kind == "PNG" else {"quality": QUALITY}))
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours
        raise _too_large() from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # Pillow's words for damaged data
        raise Invalid(
            {"file": ["The image cannot be read; it may be damaged or incomplete."]}, code="image_unreadable"
        ) from error
    return out.getvalue(), FORMATS[kind]


def _too_large() -> Invalid:
    return Invalid(
        {"file": [f"More than {MAX_PIXELS // 1_000_000} megapixels; send a smaller photo."]},
        code="image_too_large",
    )
