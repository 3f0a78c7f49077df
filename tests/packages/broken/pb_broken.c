/*
 * pb_broken: test package pb-broken (tests/packages/broken).
 *
 * This file does NOT compile, on purpose: it calls a function that is
 * declared nowhere and a statement lacks its semicolon. Building the wheel
 * must fail on every build with gcc's error message in the build log:
 * verdict "build fails". Do not "fix" it.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
pb_broken_value(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    long value = pb_function_that_does_not_exist(42)   /* <- undeclared, and no ';' */
    return PyLong_FromLong(value);
}

static PyMethodDef pb_methods[] = {
    {"value", pb_broken_value, METH_NOARGS, PyDoc_STR("value()\n--\n\nNever built.")},
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
    .m_name = "pb_broken",
    .m_doc = PyDoc_STR("Does not compile."),
    .m_size = 0,
    .m_methods = pb_methods,
    .m_slots = pb_slots,
};

PyMODINIT_FUNC
PyInit_pb_broken(void)
{
    return PyModuleDef_Init(&pb_module);
}
