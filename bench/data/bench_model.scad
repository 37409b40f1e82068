// Klipper++ batch-mode benchmark model (bench/README.md).
// A wavy tube, 40 mm tall: the outer and inner walls are r(a, z) = base(z) + ripple(a, z),
// with 12 ripples that twist as they rise and a radius that swells and narrows. Every
// layer is different and made of long curved perimeters (many short G1 segments) with
// infill between the walls. It is one polyhedron, so OpenSCAD writes it without CGAL
// (seconds instead of an hour).
n = 160;        // points around
layers = 80;    // rings up the height
h = 40;         // mm

function base(z) = 30 + 6 * sin(z * 9) + 0.16 * z;
function ripple(a, z) = 2.2 * sin(12 * a + z * 6) + 1.2 * sin(5 * a - z * 4);
function ro(a, z) = base(z) + ripple(a, z);
function ri(a, z) = ro(a, z) - 7 - 2 * sin(3 * a + z * 10);

function ring(k, outer) = let(z = h * k / layers)
    [for (i = [0:n - 1]) let(a = 360 * i / n, r = outer ? ro(a, z) : ri(a, z))
        [r * cos(a), r * sin(a), z]];

// point index: outer ring k at k*n, inner ring k at (layers+1)*n + k*n
pts = concat([for (k = [0:layers]) each ring(k, true)],
             [for (k = [0:layers]) each ring(k, false)]);
function O(k, i) = k * n + (i % n);
function I(k, i) = (layers + 1) * n + k * n + (i % n);

faces = concat(
    [for (k = [0:layers - 1]) for (i = [0:n - 1]) each [
        [O(k, i), O(k + 1, i), O(k + 1, i + 1)], [O(k, i), O(k + 1, i + 1), O(k, i + 1)],
        [I(k, i), I(k, i + 1), I(k + 1, i + 1)], [I(k, i), I(k + 1, i + 1), I(k + 1, i)]]],
    [for (i = [0:n - 1]) each [   // bottom and top annuli
        [O(0, i), O(0, i + 1), I(0, i + 1)], [O(0, i), I(0, i + 1), I(0, i)],
        [O(layers, i), I(layers, i + 1), O(layers, i + 1)], [O(layers, i), I(layers, i), I(layers, i + 1)]]]);

polyhedron(points = pts, faces = faces, convexity = 4);
