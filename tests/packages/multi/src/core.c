/*
 * pb_multi._core: test package pb-multi (tests/packages/multi).
 *
 * An extension inside a package that also ships Python files. Its exec
 * function imports the Python module pb_multi.helpers with
 * PyImport_ImportModule and reads the int SCALE (7) from it into the module
 * state; answer() returns 6 * SCALE == 42. pb_multi/__init__.py imports
 * answer from here, so `import pb_multi` only succeeds when the extension and
 * the Python files were installed together. Multi-phase init, declares
 * Py_mod_gil = Py_MOD_GIL_NOT_USED (the state is only written during exec).
 * Expected on every 3.13/3.14 build: verdict "ready".
 *
 * Only functions of the stable ABI are used, but Py_LIMITED_API is not
 * defined: the free-threaded 3.13/3.14 headers refuse it.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>

typedef struct {
    long scale;   /* pb_multi.helpers.SCALE, read once in pb_core_exec */
} pb_core_state;

/* answer() -> 6 * pb_multi.helpers.SCALE */
static PyObject *
pb_core_answer(PyObject *module, PyObject *unused)
{
    pb_core_state *state = PyModule_GetState(module);

    (void)unused;
    if (state == NULL) {
        return NULL;
    }
    return PyLong_FromLong(6 * state->scale);
}

static int
pb_core_exec(PyObject *module)
{
    pb_core_state *state = PyModule_GetState(module);
    PyObject *helpers, *scale_obj;
    long scale;

    if (state == NULL) {
        return -1;
    }
    helpers = PyImport_ImportModule("pb_multi.helpers");
    if (helpers == NULL) {
        return -1;
    }
    scale_obj = PyObject_GetAttrString(helpers, "SCALE");
    Py_DECREF(helpers);
    if (scale_obj == NULL) {
        return -1;
    }
    scale = PyLong_AsLong(scale_obj);
    Py_DECREF(scale_obj);
    if (scale == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (scale > LONG_MAX / 6 || scale < LONG_MIN / 6) {
        PyErr_SetString(PyExc_OverflowError, "pb_multi.helpers.SCALE is too large");
        return -1;
    }
    state->scale = scale;
    return 0;
}

static PyMethodDef pb_core_methods[] = {
    {"answer", pb_core_answer, METH_NOARGS,
     PyDoc_STR("answer()\n--\n\nReturn 6 * pb_multi.helpers.SCALE.")},
    {NULL, NULL, 0, NULL}   /* sentinel */
};

static PyModuleDef_Slot pb_core_slots[] = {
    {Py_mod_exec, pb_core_exec},
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}
};

static struct PyModuleDef pb_core_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pb_multi._core",
    .m_doc = PyDoc_STR("answer(); reads SCALE from pb_multi.helpers at import."),
    .m_size = sizeof(pb_core_state),
    .m_methods = pb_core_methods,
    .m_slots = pb_core_slots,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&pb_core_module);
}
