#!/usr/bin/python3
# The QGIS side of the map benchmark: renders one layer at 1920x1080 in EPSG:3857 with
# QgsMapRendererParallelJob, offscreen, and prints the median of N cold renders (layer opened
# anew each time) as JSON. Usage: qgis_render.py FILE KIND MINX MINY MAXX MAXY [RUNS]
# (KIND is raster or vector). Debian's python3-qgis needs /usr/bin/python3.
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsMapRendererParallelJob,
                       QgsMapSettings, QgsRasterLayer, QgsRectangle, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize

path, kind = sys.argv[1], sys.argv[2]
extent = QgsRectangle(*[float(v) for v in sys.argv[3:7]])
runs = int(sys.argv[7]) if len(sys.argv) > 7 else 5

app = QgsApplication([], False)
app.initQgis()
crs = QgsCoordinateReferenceSystem("EPSG:3857")
times = []
for _ in range(runs):
    start = time.perf_counter()
    layer = QgsRasterLayer(path, "r") if kind == "raster" else QgsVectorLayer(path, "v", "ogr")
    if not layer.isValid():
        print(json.dumps({"error": "invalid layer " + path}))
        sys.exit(1)
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(crs)
    settings.setOutputSize(QSize(1920, 1080))
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    times.append((time.perf_counter() - start) * 1000.0)
    del job, layer
print(json.dumps({"median_ms": statistics.median(times), "runs": times,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
sys.stdout.flush()
app.exitQgis()
os._exit(0)
