"""Draw static/maps/world.svg, the country shapes that the petition dashboard shades by count.

The shapes are Natural Earth's 1:110m countries (public domain) as the npm package world-atlas
2.0.2 (ISC licence, Mike Bostock) redistributes them in TopoJSON. Fetch it into a temporary
folder, never into the project, and point this script at its countries-110m.json:

    cd "$(mktemp -d)" && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python scripts/make_world_map.py "$OLDPWD/package/countries-110m.json"

Each country becomes one <path id="XX"> named by its ISO 3166-1 alpha-2 code, in a plain
equirectangular projection cut at 60 degrees south: Antarctica has no signers to shade. The
points are in tenths of the viewBox's units, as whole numbers, and the paths scaled by 0.1.
Shapes without an ISO code (Kosovo, northern Cyprus, Somaliland) are left out.
"""

import json
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "static" / "maps" / "world.svg"
WIDTH = 960
NORTH, SOUTH = 84.0, -60.0
SCALE = WIDTH / 360
HEIGHT = round((NORTH - SOUTH) * SCALE)
ANTARCTICA = "010"


def decode_arcs(topology) -> list[list[tuple[float, float]]]:
    """Each arc as (longitude, latitude) points: TopoJSON stores them quantised, as deltas."""
    (kx, ky), (dx, dy) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for step_x, step_y in arc:
            x, y = x + step_x, y + step_y
            points.append((x * kx + dx, y * ky + dy))
        arcs.append(points)
    return arcs


def ring_points(ring, arcs):
    points = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Each arc starts where the one before it ended.
        points.extend(arc if not points else arc[1:])
    return points


def unwrapped(points):
    """The ring without its jumps across the 180th meridian (Russia, Fiji), which a flat map
    would draw as lines across the world; what lies past the edge is cut off by the frame."""
    shift = 0
    ring = [points[0]]
    for (longitude, latitude), (before, _) in zip(points[1:], points, strict=False):
        if longitude - before > 180:
            shift -= 360
        elif longitude - before < -180:
            shift += 360
        ring.append((longitude + shift, latitude))
    middle = sum(longitude for longitude, _ in ring) / len(ring)
    back = -360 if middle > 180 else 360 if middle < -180 else 0
    return [(longitude + back, latitude) for longitude, latitude in ring]


def projected(longitude, latitude) -> tuple[int, int]:
    # Tenths of a unit, written as whole numbers after scaling the path down by ten.
    return round((longitude + 180) * SCALE * 10), round((NORTH - latitude) * SCALE * 10)


def path_data(polygons, arcs) -> str:
    """Relative moves between points in tenths, which keeps the file small."""
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = [projected(*point) for point in unwrapped(ring_points(ring, arcs))]
            kept = [points[0]]
            for point in points[1:]:
                if point != kept[-1]:
                    kept.append(point)
            if len(kept) < 3:
                continue
            x, y = kept[0]
            steps = [f"M{x} {y}"]
            for next_x, next_y in kept[1:]:
                steps.append(f"{next_x - x} {next_y - y}")
                x, y = next_x, next_y
            parts.append(steps[0] + "l" + " ".join(steps[1:]) + "z")
    return "".join(parts).replace(" -", "-")


def main(source: Path) -> None:
    settings.configure(USE_I18N=False)
    from django_countries import countries

    topology = json.loads(source.read_text())
    arcs = decode_arcs(topology)
    shapes = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = geometry.get("id")
        if numeric is None or numeric == ANTARCTICA:
            continue
        code = countries.alpha2(numeric)
        if not code:
            print(f"no ISO code for {geometry['properties']['name']} ({numeric})")
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        shapes[code] = path_data(polygons, arcs)
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}">',
        "<!-- Natural Earth 1:110m countries (public domain), from world-atlas 2.0.2 "
        "(ISC licence, copyright 2013-2019 Michael Bostock); drawn by "
        "scripts/make_world_map.py. See static/maps/README.md. -->",
        '<g transform="scale(0.1)">',
        *(f'<path id="{code}" d="{shapes[code]}"/>' for code in sorted(shapes)),
        "</g>",
        "</svg>",
    ]
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text("\n".join(lines) + "\n")
    print(f"{len(shapes)} countries written to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
