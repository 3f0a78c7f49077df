/*
 * pb_multi._extra: test package pb-multi (tests/packages/multi).
 *
 * The package's second extension module, so that pb-multi's wheel holds two
 * of them and the test has to import both. ping() returns "pong".
 * Multi-phase init, declares Py_mod_gil = Py_MOD_GIL_NOT_USED.
 * Expected on every 3.13/3.14 build: verdict "ready".
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ping() -> "pong" */
static PyObject *
pb_extra_ping(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyUnicode_FromString("pong");
}

static PyMethodDef pb_extra_methods[] = {
    {"ping", pb_extra_ping, METH_NOARGS, PyDoc_STR("ping()\n--\n\nReturn 'pong'.")},
    {NULL, NULL, 0, NULL}   /* sentinel */
};

static PyModuleDef_Slot pb_extra_slots[] = {
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}
};

static struct PyModuleDef pb_extra_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pb_multi._extra",
    .m_doc = PyDoc_STR("ping(); the second extension module of pb_multi."),
    .m_size = 0,
    .m_methods = pb_extra_methods,
    .m_slots = pb_extra_slots,
};

PyMODINIT_FUNC
PyInit__extra(void)
{
    return PyModuleDef_Init(&pb_extra_module);
}
