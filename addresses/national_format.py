"""Writing files in the Base Adresse Nationale's CSV format, for the demo, the tests and the
benchmark: the same columns in the same order as the national `adresses-XX.csv.gz`."""

import gzip
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyproj import Transformer

HEADER = (
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;"
    "nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;"
    "source_position;source_nom_voie;certification_commune;cad_parcelles"
)
# Lambert-93, the national file's x and y.
_LAMBERT93 = Transformer.from_crs(4326, 2154, always_xy=True)


@dataclass(frozen=True)
class NationalAddress:
    insee_code: str
    postcode: str
    commune: str
    street_code: str  # four characters, the FANTOIR street code
    street: str
    number: int
    suffix: str
    lon: float
    lat: float


def _afnor(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.upper())
    return "".join(c for c in text if not unicodedata.combining(c)).replace("'", " ").replace("-", " ")


def national_lines(addresses: Iterable[NationalAddress]) -> Iterable[str]:
    """The header, then one line per address."""
    yield HEADER + "\n"
    for a in addresses:
        x, y = _LAMBERT93.transform(a.lon, a.lat)
        fantoir = f"{a.insee_code}_{a.street_code}"
        ban_id = f"{fantoir}_{a.number:05d}" + (f"_{a.suffix}" if a.suffix else "")
        yield (
            f"{ban_id};{fantoir};{a.number};{a.suffix};{a.street};{a.postcode};{a.insee_code};{a.commune};;;"
            f"{x:.2f};{y:.2f};{a.lon:.6f};{a.lat:.6f};entrée;;;{_afnor(a.commune)};{_afnor(a.street)};"
            "commune;commune;1;\n"
        )


def national_file_write(path: Path, addresses: Iterable[NationalAddress], *, compresslevel: int = 9) -> None:
    """Write the file, gzipped when its name ends in .gz, like the national files."""
    gzipped = path.suffix == ".gz"
    with (
        gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=compresslevel)
        if gzipped
        else path.open("w", encoding="utf-8", newline="")
    ) as file:
        file.writelines(national_lines(addresses))
