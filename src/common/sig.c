/* sig.c -- SIGINT/SIGTERM to a caller's stop handler, SIGPIPE ignored. */
#include "sig.h"

#include <signal.h>
#include <string.h>

void sig_install_stop(void (*on_stop)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}
