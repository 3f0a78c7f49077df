/*
 * greeter: a minimal C extension module with legacy single-phase initialisation.
 *
 *     >>> import greeter
 *     >>> greeter.greet()
 *     'Hello, anonymous!'
 *     >>> greeter.greet(name="pybench")
 *     'Hello, pybench!'
 *
 * The module does not declare whether it is safe to run without the GIL (there
 * is no Py_mod_gil slot, and single-phase modules cannot have slots at all).
 * A free-threaded interpreter therefore turns the GIL back on when it imports
 * this module, and says so with a RuntimeWarning. greeter_threaded.c is the
 * same module with the declaration.
 *
 * Build (the output name is up to you; import it as "greeter"):
 *     gcc greeter.c -shared -fPIC -O3 $(python3.13t-config --includes) -o greeter.so
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define GREETER_VERSION "1.0"

/* greet(name="anonymous") -> "Hello, {name}!" */
static PyObject *
greeter_greet(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"name", NULL};
    PyObject *name = NULL;   /* borrowed reference, or NULL when not given */

    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|U:greet", keywords, &name)) {
        return NULL;
    }
    if (name == NULL) {
        return PyUnicode_FromString("Hello, anonymous!");
    }
    return PyUnicode_FromFormat("Hello, %U!", name);
}

static PyMethodDef greeter_methods[] = {
    {
        "greet",
        (PyCFunction)(void (*)(void))greeter_greet,
        METH_VARARGS | METH_KEYWORDS,
        PyDoc_STR("greet(name='anonymous')\n--\n\nReturn 'Hello, {name}!'."),
    },
    {NULL, NULL, 0, NULL}   /* sentinel */
};

static struct PyModuleDef greeter_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "greeter",
    .m_doc = PyDoc_STR("Say hello (single-phase init, needs the GIL)."),
    .m_size = -1,           /* module state lives in globals: no sub-interpreters */
    .m_methods = greeter_methods,
};

PyMODINIT_FUNC
PyInit_greeter(void)
{
    /* Single-phase init: build and fill the module object right here. */
    PyObject *module = PyModule_Create(&greeter_module);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddStringConstant(module, "__version__", GREETER_VERSION) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
