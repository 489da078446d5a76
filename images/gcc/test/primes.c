/* Sieve of Eratosthenes: `primes N` prints the primes below N; `primes --std` prints __STDC_VERSION__. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--std") == 0) {
        printf("%ld\n", (long)__STDC_VERSION__);
        return 0;
    }
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    if (n < 2 || n > 10000000) {
        fprintf(stderr, "usage: primes N (2..10000000)\n");
        return 2;
    }
    char *composite = calloc((size_t)n, 1);
    if (!composite)
        return 1;
    const char *sep = "";
    for (long i = 2; i < n; i++) {
        if (composite[i])
            continue;
        printf("%s%ld", sep, i);
        sep = " ";
        for (long j = i * i; j < n; j += i)
            composite[j] = 1;
    }
    putchar('\n');
    free(composite);
    return 0;
}
