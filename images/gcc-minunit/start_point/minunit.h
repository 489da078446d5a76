/* minunit: a minimal C test framework (after John Brewer's MinUnit, public domain). */
#ifndef MINUNIT_INCLUDED
#define MINUNIT_INCLUDED

#define mu_assert(message, test) do { if (!(test)) return message; } while (0)
#define mu_run_test(test) do { const char *message = test(); tests_run++; if (message) return message; } while (0)

extern int tests_run;

#endif
