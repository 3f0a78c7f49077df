/*
 * pb_gil_declared: test package pb-gil-declared (tests/packages/gil_declared).
 *
 * The well-behaved case. One top-level extension module with add(a, b) for
 * ints, multi-phase init, and the {Py_mod_gil, Py_MOD_GIL_NOT_USED} slot.
 * Expected: builds and imports on every CPython 3.13/3.14 build, and the GIL
 * stays disabled on the free-threaded ones (3.13t, 3.14t): verdict "ready".
 *
 * Only functions of the stable ABI are used, but Py_LIMITED_API is not
 * defined: the free-threaded 3.13/3.14 headers refuse it.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* add(a, b) -> a + b, both ints */
static PyObject *
pb_add(PyObject *module, PyObject *args)
{
    PyObject *a, *b;   /* borrowed references */

    (void)module;
    if (!PyArg_ParseTuple(args, "O!O!:add", &PyLong_Type, &a, &PyLong_Type, &b)) {
        return NULL;
    }
    return PyNumber_Add(a, b);
}

static PyMethodDef pb_methods[] = {
    {"add", pb_add, METH_VARARGS, PyDoc_STR("add(a, b)\n--\n\nReturn a + b for two ints.")},
    {NULL, NULL, 0, NULL}   /* sentinel */
};

static PyModuleDef_Slot pb_slots[] = {
#ifdef Py_mod_gil
    /* The module keeps no state and add() only touches its arguments. */
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}
};

static struct PyModuleDef pb_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pb_gil_declared",
    .m_doc = PyDoc_STR("add(a, b); declares Py_mod_gil = Py_MOD_GIL_NOT_USED."),
    .m_size = 0,
    .m_methods = pb_methods,
    .m_slots = pb_slots,
};

PyMODINIT_FUNC
PyInit_pb_gil_declared(void)
{
    return PyModuleDef_Init(&pb_module);
}
