/*
 * greeter (thread-safe edition): the module of greeter.c with multi-phase
 * initialisation (PEP 489) and a Py_mod_gil slot declaring that it does not
 * need the GIL.
 *
 *     >>> import greeter
 *     >>> greeter.greet(name="pybench")
 *     'Hello, pybench!'
 *
 * The module keeps no mutable state: greet() only reads its argument and
 * returns a new string, so running it in parallel threads is safe, and a
 * free-threaded interpreter can keep the GIL disabled when importing it.
 *
 * Py_mod_gil exists from 3.13 on; on older headers (3.10 to 3.12) the slot is
 * left out and the module is an ordinary multi-phase module.
 *
 * Build (import it as "greeter": the init function is PyInit_greeter):
 *     gcc greeter_threaded.c -shared -fPIC -O3 $(python3.13t-config --includes) \
 *         -o greeter_threaded.so
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define GREETER_VERSION "2.0"

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

/* Py_mod_exec: runs on the module object the import system created. */
static int
greeter_exec(PyObject *module)
{
    PyObject *version = PyUnicode_FromString(GREETER_VERSION);
    if (version == NULL) {
        return -1;
    }
    int result = PyModule_AddObjectRef(module, "__version__", version);
    Py_DECREF(version);
    return result;
}

static PyModuleDef_Slot greeter_slots[] = {
    {Py_mod_exec, (void *)greeter_exec},
#ifdef Py_mod_multiple_interpreters
    /* No global state: every (sub-)interpreter gets its own module. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#ifdef Py_mod_gil
    /* Safe to run without the GIL: a free-threaded build keeps it disabled. */
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}               /* sentinel */
};

static struct PyModuleDef greeter_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "greeter",
    .m_doc = PyDoc_STR("Say hello (multi-phase init, safe without the GIL)."),
    .m_size = 0,            /* no per-module state */
    .m_methods = greeter_methods,
    .m_slots = greeter_slots,
};

PyMODINIT_FUNC
PyInit_greeter(void)
{
    /* Multi-phase init: hand the definition to the import system, which
       creates the module and runs the slots. */
    return PyModuleDef_Init(&greeter_module);
}
