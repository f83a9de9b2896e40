"""The course's data sets: where they come from, how they are checked, how they load.

The package is laid out as the design:

- ``registry``  what a data set is: its official files, their URLs (official source
  first, then fallbacks) and checksums, and an optional documented *subset*
  (:class:`~utils.data.registry.Dataset`, :class:`~utils.data.registry.RemoteFile`);
- ``fetch``     where the files are found: the cache ``data/<name>/``, then the offline
  mirror ``$GDL_DATA_MIRROR/<name>/``, then the documented subset, then stand-in files
  (test suite only), then a download (pooch: checksum-checked, atomic, with time
  limits). Every file is checked against its checksum before use; a corrupt copy is
  passed over and reported;
- ``archives``  safe extraction of tar and zip archives;
- ``images``, ``text``, ``music``  the data sets of each medium, each registered with
  its reader and its ``load_*`` function.

A loader says what it loaded and from where (``official data``, ``OFFLINE SUBSET``,
``STAND-IN DATA``), applies fast mode (``GDL_FAST=1``: a small fixed part) and raises
:class:`DataUnavailable` with one message naming the file, the URL and where to put it
when the data cannot be had.
"""

from .art import load_content_image, load_cyclegan_images, load_style_image
from .errors import ChecksumError, DataUnavailable
from .fetch import availability, locate
from .images import load_celeba, load_cifar10, load_fashion_mnist, load_mnist, load_quickdraw
from .music import load_cello_suites, load_jsb_chorales
from .registry import REGISTRY, class_names, download_size  # REGISTRY: for tests and fixtures
from .text import load_aesop, load_glove, load_squad, load_tiny_shakespeare

__all__ = [
    "ChecksumError", "DataUnavailable", "availability", "class_names", "download_size", "locate",
    "load_aesop", "load_celeba", "load_cello_suites", "load_cifar10", "load_fashion_mnist", "load_glove",
    "load_content_image", "load_cyclegan_images", "load_style_image",
    "load_jsb_chorales", "load_mnist", "load_quickdraw", "load_squad", "load_tiny_shakespeare",
]
