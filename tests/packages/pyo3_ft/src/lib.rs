//! pb_pyo3: a tiny PyO3 module that declares it runs without the GIL
//! (`gil_used = false`, i.e. `Py_mod_gil = Py_MOD_GIL_NOT_USED`).

use pyo3::prelude::*;

/// The sum of two integers.
#[pyfunction]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The name of the module's build: `pb_pyo3 (Rust)`.
#[pyfunction]
fn built_with() -> &'static str {
    "pb_pyo3 (Rust)"
}

#[pymodule(gil_used = false)]
fn pb_pyo3(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add_function(wrap_pyfunction!(built_with, m)?)?;
    Ok(())
}
