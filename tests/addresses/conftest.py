"""Address files in the national format, written by each test with the project's own writer."""

import pytest

from addresses.importing import addresses_import
from addresses.national_format import HEADER, NationalAddress, national_file_write

# Tarascon, around its town hall (4.65809, 43.806): 1e-4 degree of longitude is about 8 m there.
HALLES = [
    NationalAddress("13108", "13150", "Tarascon", "0420", "Rue des Halles", n, "", 4.6600 + n * 1e-4, 43.8060)
    for n in range(1, 21)
]
TOWN_HALL = NationalAddress("13108", "13150", "Tarascon", "0421", "Place de la Mairie", 2, "bis", 4.65809, 43.806)
CHURCH = NationalAddress("13074", "13860", "Peyrolles-en-Provence", "0100", "Rue de l'Église", 3, "", 5.5833, 43.6463)


def write_national(path, addresses=(*HALLES, TOWN_HALL, CHURCH)) -> str:
    national_file_write(path, addresses)
    return str(path)


def write_lines(path, lines: list[str]) -> str:
    path.write_text(HEADER + "\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.fixture
def imported(tmp_path, db):
    return addresses_import(path=write_national(tmp_path / "adresses-13.csv.gz"), commit=True)
