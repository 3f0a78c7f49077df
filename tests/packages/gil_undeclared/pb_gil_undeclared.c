/*
 * pb_gil_undeclared: test package pb-gil-undeclared (tests/packages/gil_undeclared).
 *
 * The same module as pb_gil_declared (add(a, b) for ints, multi-phase init),
 * but its slots deliberately leave out Py_mod_gil. A free-threaded
 * interpreter (3.13t, 3.14t) therefore assumes the module needs the GIL and
 * re-enables it on import, with a RuntimeWarning: verdict "works with the
 * GIL". Stock and JIT builds import it normally: verdict "ready".
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

/* No Py_mod_gil slot on purpose: this is what the test is about. The array
 * is still there so that the module really uses multi-phase init. */
static PyModuleDef_Slot pb_slots[] = {
    {0, NULL}
};

static struct PyModuleDef pb_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pb_gil_undeclared",
    .m_doc = PyDoc_STR("add(a, b); no Py_mod_gil slot, so free-threaded builds re-enable the GIL."),
    .m_size = 0,
    .m_methods = pb_methods,
    .m_slots = pb_slots,
};

PyMODINIT_FUNC
PyInit_pb_gil_undeclared(void)
{
    return PyModuleDef_Init(&pb_module);
}
