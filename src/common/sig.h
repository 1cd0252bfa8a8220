/* sig.h -- the stop signals every service handles the same way: SIGINT/SIGTERM ask to stop, SIGPIPE ignored. */
#ifndef QAFLOW_SIG_H
#define QAFLOW_SIG_H

/* Installs on_stop for SIGINT and SIGTERM (it should only set a volatile sig_atomic_t flag the
 * main loop polls) and ignores SIGPIPE, so a write to a closed socket fails with EPIPE instead
 * of killing the process. */
void sig_install_stop(void (*on_stop)(int));

#endif
