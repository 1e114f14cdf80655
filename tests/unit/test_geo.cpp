// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "geo/CoordinateTransform.h"
#include "geo/GeoTypes.h"
#include "geo/Geodesy.h"
#include "geo/ThreadCheck.h"
#include "geo/WebMercator.h"

#include <catch2/catch.hpp>

#include <thread>

using namespace tessera;
using namespace tessera::geo;
using Catch::Matchers::Contains;

TEST_CASE("CoordinateTransform reprojects with PROJ", "[geo][proj]") {
    SECTION("Gao in EPSG:3857 matches the closed form of spherical Mercator") {
        auto t =
            CoordinateTransform::create(QStringLiteral("EPSG:4326"), QStringLiteral("EPSG:3857"));
        REQUIRE(t.ok());
        // Gao, 16.2717 N 0.0447 W. Reference: x = R*lon, y = R*ln(tan(pi/4 + lat/2)), R = 6378137.
        const MapPoint gao = t.value().transform({-0.0447, 16.2717});
        CHECK(gao.x == Approx(-4975.981238).margin(0.001));
        CHECK(gao.y == Approx(1836208.678321).margin(0.001));
        const MapPoint back = t.value().inverse(gao);
        CHECK(back.x == Approx(-0.0447).margin(1e-9));
        CHECK(back.y == Approx(16.2717).margin(1e-9));
    }
    SECTION("axis order is longitude, latitude whatever the CRS says") {
        auto t =
            CoordinateTransform::create(QStringLiteral("EPSG:4326"), QStringLiteral("EPSG:32631"));
        REQUIRE(t.ok());
        // 3 E is the central meridian of UTM zone 31: easting 500 000 m exactly.
        const MapPoint p = t.value().transform({3.0, 16.0});
        CHECK(p.x == Approx(500000.0).margin(0.01));
        CHECK(p.y == Approx(1768935.376).margin(0.01)); // GeographicLib GeoConvert -u
    }
    SECTION("an unknown CRS is an error that names it") {
        auto t =
            CoordinateTransform::create(QStringLiteral("EPSG:999999"), QStringLiteral("EPSG:3857"));
        REQUIRE_FALSE(t.ok());
        CHECK_THAT(t.error().message.toStdString(), Contains("EPSG:999999"));
    }
    SECTION("a point outside the projection's domain comes back non-finite") {
        auto t =
            CoordinateTransform::create(QStringLiteral("EPSG:4326"), QStringLiteral("EPSG:3857"));
        REQUIRE(t.ok());
        const MapPoint beyond = t.value().transform({0.0, 91.0});
        CHECK_FALSE((std::isfinite(beyond.x) && std::isfinite(beyond.y)));
    }
}

TEST_CASE("WebMercator closed form agrees with PROJ", "[geo][webmercator]") {
    auto t = CoordinateTransform::create(QStringLiteral("EPSG:4326"), QStringLiteral("EPSG:3857"));
    REQUIRE(t.ok());
    for (double lat = -80.0; lat <= 80.0; lat += 10.0)
        for (double lon = -180.0; lon <= 180.0; lon += 30.0) {
            const MapPoint ours = webmercator::project({lon, lat});
            const MapPoint proj = t.value().transform({lon, lat});
            CHECK(ours.x == Approx(proj.x).margin(0.001));
            CHECK(ours.y == Approx(proj.y).margin(0.001));
            const GeoPoint back = webmercator::unproject(ours);
            CHECK(back.lon == Approx(lon).margin(1e-9));
            CHECK(back.lat == Approx(lat).margin(1e-9));
        }
    SECTION("latitudes beyond the Mercator limit are clamped, not infinite") {
        const MapPoint north = webmercator::project({0.0, 90.0});
        CHECK(north.y == Approx(webmercator::kHalfWorld).margin(0.01));
    }
    SECTION("resolution halves with each zoom level") {
        CHECK(webmercator::resolutionAtZoom(0, 256) == Approx(156543.03392804097));
        CHECK(webmercator::resolutionAtZoom(10, 256) == Approx(156543.03392804097 / 1024));
    }
}

TEST_CASE("Geodesy on WGS84 through GeographicLib", "[geo][geodesy]") {
    SECTION("JFK to LHR, GeographicLib's reference example") {
        const auto inv = geodesy::inverse({-73.8, 40.6}, {-0.5, 51.6});
        CHECK(inv.distanceMetres == Approx(5551759.400).margin(0.01));
        CHECK(inv.initialBearingDeg == Approx(51.19888285).margin(1e-6));
    }
    SECTION("destination then inverse returns the distance and bearing") {
        const GeoPoint gao{-0.0447, 16.2717};
        const GeoPoint there = geodesy::destination(gao, 28000.0, 337.0);
        const auto inv = geodesy::inverse(gao, there);
        CHECK(inv.distanceMetres == Approx(28000.0).margin(0.001));
        CHECK(inv.initialBearingDeg == Approx(337.0).margin(1e-6));
        CHECK(there.lat > gao.lat);
        CHECK(there.lon < gao.lon);
    }
    SECTION("MGRS references, split for reading") {
        CHECK(geodesy::toMgrs({-77.0352, 38.8895}) == QStringLiteral("18SUJ 23486 06483"));
        CHECK(geodesy::toMgrs({-0.0447, 16.2717}) == QStringLiteral("30QZD 15880 01273"));
        CHECK(geodesy::toMgrs({-0.0447, 16.2717}, 2) == QStringLiteral("30QZD 15 01"));
        CHECK(geodesy::toMgrs({0.0, 95.0}).isEmpty());
    }
}

TEST_CASE("GeoTypes", "[geo]") {
    SECTION("latitude and longitude are formatted with hemispheres") {
        CHECK(formatLatLon({-0.0447, 16.2717}) == QStringLiteral("16.2717° N, 0.0447° W"));
        CHECK(formatLatLon({151.2093, -33.8688}, 2) == QStringLiteral("33.87° S, 151.21° E"));
    }
    SECTION("validity of positions") {
        CHECK(GeoPoint{0, 0}.isValid());
        CHECK_FALSE(GeoPoint{181, 0}.isValid());
        CHECK_FALSE(GeoPoint{0, -91}.isValid());
        CHECK_FALSE(GeoPoint{std::nan(""), 0}.isValid());
    }
    SECTION("extents intersect, contain and unite") {
        const Extent a{0, 0, 10, 10};
        const Extent b{5, 5, 15, 15};
        const Extent c{11, 11, 12, 12};
        CHECK(a.intersects(b));
        CHECK_FALSE(a.intersects(c));
        CHECK(a.contains({10, 10}));
        CHECK(a.united(c) == Extent{0, 0, 12, 12});
        CHECK(Extent{}.united(c) == c);
        CHECK(Extent{}.isEmpty());
    }
}

TEST_CASE("ThreadCheck reports blocking calls on the marked GUI thread only", "[geo][threads]") {
    int violations = 0;
    threadcheck::setViolationHandler([&](const char*) { ++violations; });
    threadcheck::markGuiThread();
    threadcheck::reportIfGuiThread("on the GUI thread");
    std::thread worker([] { threadcheck::reportIfGuiThread("on a worker"); });
    worker.join();
    threadcheck::clearGuiThread();
    threadcheck::reportIfGuiThread("after clearing");
    CHECK(violations == 1);
}

TEST_CASE("Measuring on the ellipsoid: paths, areas, range rings", "[geo][geodesy][measure]") {
    const GeoPoint gao{-0.0447, 16.2717};
    SECTION("a path is the sum of its geodesic legs") {
        const GeoPoint ansongo{0.5022, 15.6597};
        const GeoPoint menaka{2.39609, 15.91985};
        CHECK(geodesy::pathLength({gao, ansongo, menaka}) ==
              Approx(geodesy::inverse(gao, ansongo).distanceMetres +
                     geodesy::inverse(ansongo, menaka).distanceMetres));
        CHECK(geodesy::pathLength({gao}) == 0.0);
    }
    SECTION("a small range ring encloses pi r^2 and every point is r away") {
        const QList<GeoPoint> ring = geodesy::circle(gao, 10000.0, 180);
        REQUIRE(ring.size() == 180);
        for (const GeoPoint& p : ring)
            CHECK(geodesy::inverse(gao, p).distanceMetres == Approx(10000.0).margin(1e-6));
        const auto measured = geodesy::polygon(ring);
        CHECK(measured.areaSquareMetres == Approx(M_PI * 1e8).epsilon(0.001));
        CHECK(measured.perimeterMetres == Approx(2 * M_PI * 1e4).epsilon(0.001));
    }
    SECTION("area does not depend on the direction the ring turns") {
        const QList<GeoPoint> square{{0, 0}, {1, 0}, {1, 1}, {0, 1}};
        const QList<GeoPoint> reversed{{0, 1}, {1, 1}, {1, 0}, {0, 0}};
        // 1 degree squares at the equator: about 12,308 km^2 on WGS84.
        CHECK(geodesy::polygon(square).areaSquareMetres == Approx(12308.778e6).epsilon(0.001));
        CHECK(geodesy::polygon(reversed).areaSquareMetres ==
              Approx(geodesy::polygon(square).areaSquareMetres));
        CHECK(geodesy::polygon({{0, 0}, {1, 1}}).areaSquareMetres == 0.0);
    }
}
