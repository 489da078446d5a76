#include "hiker.h"
#include "minunit.h"
#include <stdio.h>

int tests_run = 0;

static const char *life_the_universe_and_everything(void)
{
    mu_assert("answer() == 42", answer() == 42);
    return 0;
}

static const char *all_tests(void)
{
    mu_run_test(life_the_universe_and_everything);
    return 0;
}

int main(void)
{
    const char *failed = all_tests();
    if (failed) {
        printf("FAILED: %s\n", failed);
        return 1;
    }
    printf("ALL TESTS PASSED (%d)\n", tests_run);
    return 0;
}
