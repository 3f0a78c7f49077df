/*
 * pb_uses_dep._core: test package pb-uses-dep (tests/packages/uses_dep).
 *
 * Its own extension is well behaved ({Py_mod_gil, Py_MOD_GIL_NOT_USED}),
 * but the package depends on pb-gil-undeclared (tests/packages/gil_undeclared),
 * whose module has no Py_mod_gil slot, and imports it in __init__.py.
 * Imported module by module, pb_uses_dep._core keeps the GIL off; imported
 * whole, the dependency turns it back on. Expected on free-threaded builds:
 * "works with the GIL", naming pb_gil_undeclared; elsewhere "ready".
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* twice(n) -> n * 2 */
static PyObject *
pb_twice(PyObject *module, PyObject *arg)
{
    PyObject *two, *result;

    (void)module;
    two = PyLong_FromLong(2);
    if (two == NULL) {
        return NULL;
    }
    result = PyNumber_Multiply(arg, two);
    Py_DECREF(two);
    return result;
}

static PyMethodDef pb_methods[] = {
    {"twice", pb_twice, METH_O, PyDoc_STR("twice(n)\n--\n\nReturn n * 2.")},
    {NULL, NULL, 0, NULL}   /* sentinel */
};

static PyModuleDef_Slot pb_slots[] = {
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}
};

static struct PyModuleDef pb_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pb_uses_dep._core",
    .m_doc = PyDoc_STR("twice(n); declares Py_mod_gil = Py_MOD_GIL_NOT_USED."),
    .m_size = 0,
    .m_methods = pb_methods,
    .m_slots = pb_slots,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&pb_module);
}
