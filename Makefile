# The front door.  `make test` and `make run` install what they need
# (tools/deps), configure and build both bakes, and go.
#   build/hosted  the core as a Linux process, with ASan+UBSan; unit tests
#   build/x86_64  the freestanding kernel, booted under QEMU
BUILD   := build
HOSTED  := $(BUILD)/hosted
X86     := $(BUILD)/x86_64
KERNEL  := $(abspath $(X86))/biscotti
CMAKE   := cmake -G Ninja -Wno-dev
JOBS    ?= $(shell nproc)

.PHONY: all deps build hosted x86_64 test bounds run bench clean

all: build

deps:
	@tools/deps

hosted: deps
	@$(CMAKE) -S . -B $(HOSTED) -DPLATFORM=hosted -DKERNEL_X86_64=$(KERNEL) >/dev/null
	@cmake --build $(HOSTED) -j $(JOBS)

x86_64: deps
	@$(CMAKE) -S . -B $(X86) -DPLATFORM=x86_64 >/dev/null
	@cmake --build $(X86) -j $(JOBS)

build: hosted x86_64

test: build
	cd $(HOSTED) && ctest --output-on-failure -j $(JOBS)

# The heap bounds (docs/memory.md): every unit test's reservation marks,
# then each syscall's bound beside its measured high-water mark.
bounds: hosted
	cd $(HOSTED) && ctest --output-on-failure -j $(JOBS) -R 'unit/|bounds/'
	tools/bounds $(HOSTED)/bounds.marks

# Boot the GRUB ISO (what a real PC boots) with busybox as the userland
# (tools/mkinitramfs, a multiboot2 module) to a shell on the serial
# console here; Ctrl-A X quits QEMU.  tools/run-qemu -- COMMAND runs one
# command instead.  The disk is /dev/ram0, a biscfs image of the same
# userland (tools/mkdisk), which init mounts and makes the shell's root;
# DISK=IMAGE boots another image instead.
DISK ?= $(X86)/disk.img
run: x86_64 hosted
	tools/mkinitramfs $(X86)/initramfs.cpio
	@if [ "$(DISK)" = "$(X86)/disk.img" ]; then \
	    tools/mkdisk $(X86)/disk.img $(HOSTED)/biscotti; fi
	tools/mkiso $(KERNEL) $(X86)/busybox.iso "test=user" $(X86)/initramfs.cpio $(DISK)
	tools/run-kernel $(X86)/busybox.iso

# Benchmarks against Debian's Linux kernel under the same QEMU (tools/bench
# fetches it with apt-get); writes docs/benchmarks.md.  10-25 minutes.
bench: x86_64 hosted
	tools/bench
	tools/bench-net
	$(MAKE) bench-fs

# The network benchmark alone: biscotti net over TAP against Linux over
# veth, in network namespaces (root); writes docs/benchmarks-net.md.
.PHONY: bench-net
bench-net: hosted
	tools/bench-net

# The file-system benchmark alone: biscfs (biscotti mount) against ext4
# (fuse2fs), both through FUSE on this host (root); writes
# docs/benchmarks-fs.md.
.PHONY: bench-fs
bench-fs: hosted
	tools/bench-fs --biscotti $(abspath $(HOSTED))/biscotti

# AFL++ on the hosted kernel's syscalls (tools/fuzz, docs/fuzzing.md):
# FUZZ_MINUTES=60 FUZZ_JOBS=1 by default; the summary lands in
# build/fuzz/out/summary.txt and on stdout.
.PHONY: fuzz
fuzz: deps
	tools/fuzz campaign

# The packet fuzzer the same way (frames into the network stack;
# findings in build/fuzz/packets-out).
.PHONY: fuzz-packets
fuzz-packets: deps
	tools/fuzz packets campaign

# The disk-image fuzzer the same way (damaged biscfs images mounted,
# used, repaired by fsck; findings in build/fuzz/images-out).
.PHONY: fuzz-images
fuzz-images: deps
	tools/fuzz images campaign

clean:
	rm -rf $(BUILD)
