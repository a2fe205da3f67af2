/*
 * The register-capture probe: a callee that records exactly what its caller put in
 * every argument register and stack slot, so tests can compare a jitcall trampoline's
 * work with a C compiler's, byte for byte.
 *
 * Built by the tests as a shared library (gcc -shared asm/probe.S). Not thread-safe:
 * the record is one global, so tests that use it take a lock.
 *
 * jitcall_probe_record layout (all little-endian):
 *     0   rdi, rsi, rdx, rcx, r8, r9         6 x 8 bytes
 *    48   rax at entry (%al = vector count)   8
 *    56   rsp at entry (rsp + 8 is 16-aligned per the psABI)   8
 *    64   xmm0 .. xmm7, full 16 bytes each     128
 *   192   the caller's stack-argument area, from rsp + 8      512
 *   704   end
 *
 * jitcall_probe_result (set by the test before the call):
 *     0   rax, rdx                            2 x 8
 *    16   xmm0, xmm1 (low 8 bytes each)       2 x 8
 *    32   st(0) value (80-bit, in 16 bytes)   16
 *    48   st(1) value                         16
 *    64   sret: bytes to copy to [rdi]        256
 *   320   sret length                         8
 *
 * Entry points, all recording the arguments first:
 *   jitcall_probe       returns rax, rdx, xmm0, xmm1 from the result record
 *   jitcall_probe_x87   also loads st(0)
 *   jitcall_probe_x87x2 loads st(1) then st(0) (long double _Complex)
 *   jitcall_probe_sret  copies the sret bytes to [rdi] and returns rdi in rax
 *   jitcall_probe_zmm   also records zmm0 .. zmm7 whole, 64 bytes each, into
 *                       jitcall_probe_zmm_record (512 bytes); needs AVX-512F
 *
 * jitcall_probe_harness(entry, frame, target) -> u64 calls a frame trampoline with
 * canaries in every callee-saved register and returns a bitmask of what broke:
 *   bit 0..5: rbx, rbp, r12, r13, r14, r15 changed;  bit 6: rsp not restored;
 *   bit 7: x87 stack top moved (stack unbalanced); bit 8: direction flag set.
 */

        .text

        .globl  jitcall_probe_record
        .globl  jitcall_probe_result
        .bss
        .balign 64
jitcall_probe_record:
record:                                 /* local alias: PC-relative in a shared object */
        .zero   704
        .balign 64
jitcall_probe_result:
result:
        .zero   328
        .globl  jitcall_probe_zmm_record
        .balign 64
jitcall_probe_zmm_record:
zmm_record:
        .zero   512
        .text

/* Records every argument register and the stack area into the record; clobbers r11 and
 * r10 (caller-saved scratch), keeps everything else. */
        .type   record_args, @function
record_args:
        leaq    record(%rip), %r11
        movq    %rdi, 0(%r11)
        movq    %rsi, 8(%r11)
        movq    %rdx, 16(%r11)
        movq    %rcx, 24(%r11)
        movq    %r8, 32(%r11)
        movq    %r9, 40(%r11)
        movq    %rax, 48(%r11)
        /* rsp at the probe's entry = our rsp + 8 (our own return address). */
        leaq    8(%rsp), %r10
        movq    %r10, 56(%r11)
        movdqu  %xmm0, 64(%r11)
        movdqu  %xmm1, 80(%r11)
        movdqu  %xmm2, 96(%r11)
        movdqu  %xmm3, 112(%r11)
        movdqu  %xmm4, 128(%r11)
        movdqu  %xmm5, 144(%r11)
        movdqu  %xmm6, 160(%r11)
        movdqu  %xmm7, 176(%r11)
        /* The caller's stack arguments start above the probe's return address. */
        pushq   %rsi
        pushq   %rdi
        pushq   %rcx
        leaq    8(%r10), %rsi           /* first stack argument: past the return address */
        leaq    192(%r11), %rdi
        movl    $512, %ecx
        cld
        rep movsb
        popq    %rcx
        popq    %rdi
        popq    %rsi
        ret
        .size   record_args, .-record_args

/* Loads rax, rdx, xmm0, xmm1 from the result record. */
        .type   load_result, @function
load_result:
        leaq    result(%rip), %r11
        movq    0(%r11), %rax
        movq    8(%r11), %rdx
        movq    16(%r11), %xmm0
        movq    24(%r11), %xmm1
        ret
        .size   load_result, .-load_result

        .globl  jitcall_probe
        .type   jitcall_probe, @function
jitcall_probe:
        call    record_args
        call    load_result
        ret
        .size   jitcall_probe, .-jitcall_probe

        .globl  jitcall_probe_zmm
        .type   jitcall_probe_zmm, @function
jitcall_probe_zmm:
        call    record_args
        leaq    zmm_record(%rip), %r11
        vmovdqu64 %zmm0, 0(%r11)
        vmovdqu64 %zmm1, 64(%r11)
        vmovdqu64 %zmm2, 128(%r11)
        vmovdqu64 %zmm3, 192(%r11)
        vmovdqu64 %zmm4, 256(%r11)
        vmovdqu64 %zmm5, 320(%r11)
        vmovdqu64 %zmm6, 384(%r11)
        vmovdqu64 %zmm7, 448(%r11)
        vzeroupper
        call    load_result
        ret
        .size   jitcall_probe_zmm, .-jitcall_probe_zmm

        .globl  jitcall_probe_x87
        .type   jitcall_probe_x87, @function
jitcall_probe_x87:
        call    record_args
        call    load_result
        fldt    32(%r11)
        ret
        .size   jitcall_probe_x87, .-jitcall_probe_x87

        .globl  jitcall_probe_x87x2
        .type   jitcall_probe_x87x2, @function
jitcall_probe_x87x2:
        call    record_args
        call    load_result
        fldt    48(%r11)
        fldt    32(%r11)
        ret
        .size   jitcall_probe_x87x2, .-jitcall_probe_x87x2

        .globl  jitcall_probe_sret
        .type   jitcall_probe_sret, @function
jitcall_probe_sret:
        call    record_args
        pushq   %rdi
        leaq    result(%rip), %r11
        movq    320(%r11), %rcx
        leaq    64(%r11), %rsi
        rep movsb
        popq    %rax
        ret
        .size   jitcall_probe_sret, .-jitcall_probe_sret

/* u64 jitcall_probe_harness(void (*entry)(void *, void *), void *frame, void *target) */
        .globl  jitcall_probe_harness
        .type   jitcall_probe_harness, @function
jitcall_probe_harness:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp                /* 16-aligned for the call */
        movq    %rsp, saved_rsp(%rip)
        fnstsw  %ax
        movw    %ax, saved_sw(%rip)     /* x87 status word: TOP is bits 11..13 */
        movq    %rdi, %rax
        movq    %rsi, %rdi
        movq    %rdx, %rsi
        movabsq $0x1111111111111111, %rbx
        movabsq $0x2222222222222222, %rbp
        movabsq $0x3333333333333333, %r12
        movabsq $0x4444444444444444, %r13
        movabsq $0x5555555555555555, %r14
        movabsq $0x6666666666666666, %r15
        call    *%rax
        xorl    %eax, %eax
        movabsq $0x1111111111111111, %rcx
        cmpq    %rcx, %rbx
        je      1f
        orq     $1, %rax
1:      movabsq $0x2222222222222222, %rcx
        cmpq    %rcx, %rbp
        je      1f
        orq     $2, %rax
1:      movabsq $0x3333333333333333, %rcx
        cmpq    %rcx, %r12
        je      1f
        orq     $4, %rax
1:      movabsq $0x4444444444444444, %rcx
        cmpq    %rcx, %r13
        je      1f
        orq     $8, %rax
1:      movabsq $0x5555555555555555, %rcx
        cmpq    %rcx, %r14
        je      1f
        orq     $16, %rax
1:      movabsq $0x6666666666666666, %rcx
        cmpq    %rcx, %r15
        je      1f
        orq     $32, %rax
1:      cmpq    %rsp, saved_rsp(%rip)
        je      1f
        orq     $64, %rax
1:      movq    %rax, %rdx
        fnstsw  %ax
        xorw    saved_sw(%rip), %ax
        testw   $0x3800, %ax
        movq    %rdx, %rax
        jz      1f
        orq     $128, %rax
1:      pushfq
        popq    %rdx
        testq   $0x400, %rdx
        jz      1f
        orq     $256, %rax
        cld
1:      movq    saved_rsp(%rip), %rsp   /* recover even if the callee broke rsp */
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .size   jitcall_probe_harness, .-jitcall_probe_harness

        .bss
        .balign 8
saved_rsp:
        .zero   8
saved_sw:
        .zero   8
        .text

        .section .note.GNU-stack,"",@progbits
