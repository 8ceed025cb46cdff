/*
 * cortex_m_startup.c -- a minimal start for an ARMv7-M board run by QEMU
 * with semihosting (tests/export/cortex_m.sh, `qemu-system-arm -M
 * mps2-an385`): the vector table at address 0 (initial stack pointer,
 * reset and fault handlers), a reset handler that copies .data from flash,
 * zeroes .bss, runs .init_array, opens newlib's semihosting streams
 * (librdimon) and calls main(argc, argv) with the semihosting command line
 * (QEMU's `-semihosting-config arg=...`) split at spaces, then exit()s with
 * main's status (QEMU exits with it).  A fault ends the run (QEMU exits 1)
 * instead of hanging the emulator.  Memory map and symbols: cortex_m.ld.
 * Linked with -nostartfiles: rdimon's crt0 with only a vector table in
 * front of it exits 0 on this board without reaching main (its stack and
 * heap come from SYS_HEAPINFO, meant for a debug monitor).
 */
#include <stdint.h>
#include <stdlib.h>

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end;
extern uint32_t __stack_top;
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);
extern int main(int argc, char **argv);

void reset_handler(void);
void fault_handler(void);

/* Semihosting call: operation op, parameter block arg (ARM's "bkpt 0xab"). */
static int semihost(int op, void *arg)
{
	register int r0 __asm__("r0") = op;
	register void *r1 __asm__("r1") = arg;

	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

#define SYS_GET_CMDLINE 0x15
#define SYS_EXIT 0x18
#define ADP_STOPPED_RUNTIME_ERROR 0x20023

void fault_handler(void)
{
	/* SYS_EXIT with a runtime error: QEMU exits with status 1. */
	semihost(SYS_EXIT, (void *)ADP_STOPPED_RUNTIME_ERROR);
	for (;;)
		;
}

#define MAX_ARGS 8

void reset_handler(void)
{
	static char cmdline[512];
	static char *argv[MAX_ARGS + 1];
	struct {
		char *buf;
		int len;
	} block = { cmdline, (int)sizeof(cmdline) - 1 };
	uint32_t *s, *d;
	int argc = 0;
	char *p;

	for (s = &__data_load, d = &__data_start; d < &__data_end;)
		*d++ = *s++;
	for (d = &__bss_start; d < &__bss_end;)
		*d++ = 0;
	__libc_init_array();	/* newlib's own: atexit(__libc_fini_array) */
	initialise_monitor_handles();
	if (semihost(SYS_GET_CMDLINE, &block) == 0) {
		cmdline[block.len < (int)sizeof(cmdline) ? block.len : 0] = '\0';
		for (p = cmdline; *p != '\0' && argc < MAX_ARGS;) {
			while (*p == ' ')
				*p++ = '\0';
			if (*p == '\0')
				break;
			argv[argc++] = p;
			while (*p != '\0' && *p != ' ')
				p++;
		}
	}
	argv[argc] = NULL;
	exit(main(argc, argv));
}

/* newlib's __libc_fini_array calls _fini (crti.o, not linked). */
void _init(void);
void _fini(void);
void _init(void)
{
}
void _fini(void)
{
}

/* Cortex-M: word 0 is the initial SP, then the handlers (Thumb bit set by
 * the linker); NMI, HardFault, MemManage, BusFault, UsageFault. */
__attribute__((section(".vectors"), used))
static const uintptr_t vectors[16] = {
	(uintptr_t)&__stack_top,
	(uintptr_t)reset_handler,
	(uintptr_t)fault_handler, (uintptr_t)fault_handler,
	(uintptr_t)fault_handler, (uintptr_t)fault_handler,
	(uintptr_t)fault_handler,
};
