"""scipy: numpy and scipy compute real results (linear algebra, integration, optimization)."""
import numpy as np
import pytest
import scipy
from scipy import integrate, linalg, optimize, sparse
from scipy.sparse.linalg import spsolve


def test_versions():
    assert tuple(int(x) for x in np.__version__.split(".")[:2]) >= (1, 24)
    assert tuple(int(x) for x in scipy.__version__.split(".")[:2]) >= (1, 10)


def test_solve_dense_linear_system():
    a = np.array([[3.0, 2.0, -1.0], [2.0, -2.0, 4.0], [-1.0, 0.5, -1.0]])
    b = np.array([1.0, -2.0, 0.0])
    x = linalg.solve(a, b)
    np.testing.assert_allclose(x, [1.0, -2.0, -2.0], atol=1e-12)
    np.testing.assert_allclose(a @ x, b, atol=1e-12)


def test_lu_and_inverse_agree():
    rng = np.random.default_rng(2026)
    a = rng.standard_normal((50, 50)) + 50 * np.eye(50)
    b = rng.standard_normal(50)
    lu = linalg.lu_factor(a)
    np.testing.assert_allclose(linalg.lu_solve(lu, b), linalg.inv(a) @ b, rtol=1e-10)


def test_sparse_poisson_1d():
    # -u'' = 1 on (0, 1), u(0) = u(1) = 0: exact solution u(x) = x (1 - x) / 2.
    n = 199
    h = 1.0 / (n + 1)
    lap = sparse.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n), format="csc") / h**2
    u = spsolve(lap, np.ones(n))
    x = np.linspace(h, 1 - h, n)
    np.testing.assert_allclose(u, x * (1 - x) / 2, atol=1e-10)


def test_integrate_quad():
    value, err = integrate.quad(np.sin, 0.0, np.pi)
    assert value == pytest.approx(2.0, abs=1e-12)
    assert err < 1e-10


def test_minimize_rosenbrock():
    res = optimize.minimize(optimize.rosen, x0=[-1.2, 1.0], jac=optimize.rosen_der, method="BFGS")
    assert res.success
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-5)


def test_eigenvalues_symmetric():
    a = np.array([[2.0, 1.0], [1.0, 2.0]])
    np.testing.assert_allclose(linalg.eigvalsh(a), [1.0, 3.0], atol=1e-12)
