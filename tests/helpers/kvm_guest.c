// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvm_guest N: a few-instruction real-mode KVM guest that loops N times over
 * CPUID (handled in the kernel), OUT to port 0x3f8 (an exit to user space)
 * and HLT (with no in-kernel irqchip, also an exit to user space). Prints
 * "pid <pid> vcpu_tid <tid>" first, and "exits io <n> hlt <n>" at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/kvm.h>

#define GUEST_MEM_BYTES 0x10000
#define GUEST_CODE_GPA 0x1000
#define GUEST_PORT 0x3f8
#define RFLAGS_RESERVED_BIT 0x2

/* xor eax,eax; cpuid; mov dx,0x3f8 (after cpuid: it clobbers edx); out dx,al; hlt; jmp start */
static const uint8_t guest_code[] = {
	0x66, 0x31, 0xc0, 0x0f, 0xa2, 0xba, 0xf8, 0x03, 0xee, 0xf4, 0xeb, 0xf4,
};

static int die(const char *what)
{
	fprintf(stderr, "kvm_guest: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100, io = 0, hlt = 0;
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vm, vcpu, run_size;
	uint8_t *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return die("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return die("KVM_CREATE_VM");
	mem = mmap(NULL, GUEST_MEM_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return die("mmap");
	memcpy(mem + GUEST_CODE_GPA, guest_code, sizeof(guest_code));
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM_BYTES,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return die("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return die("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		return die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return die("mmap kvm_run");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return die("KVM_SET_SREGS");
	regs = (struct kvm_regs){ .rip = GUEST_CODE_GPA, .rflags = RFLAGS_RESERVED_BIT };
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return die("KVM_SET_REGS");

	printf("pid %d vcpu_tid %ld\n", getpid(), (long)syscall(SYS_gettid));
	fflush(stdout);
	while (hlt < n) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return die("KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port != GUEST_PORT) {
				fprintf(stderr, "kvm_guest: unexpected port 0x%x\n", run->io.port);
				return 1;
			}
			io++;
			break;
		case KVM_EXIT_HLT:
			hlt++;
			break;
		default:
			fprintf(stderr, "kvm_guest: unexpected exit reason %u\n", run->exit_reason);
			return 1;
		}
	}
	printf("exits io %ld hlt %ld\n", io, hlt);
	return 0;
}
