; The AVR timer interrupt (TIMER1_COMPA): runs every due step lane and scheduler timer.
;
; Each turn of the loop finds the earliest of (a) the first timer of the scheduler's list and
; (b) the step lanes (avr_lanes.h), comparing the low 16 bits of their times: every candidate
; lies within 2^14 ticks of the clock (lane intervals stay below that, and the wrap timer keeps
; a list timer at most 2^14 ticks ahead), so a 16-bit difference orders them. The lanes' keys
; live in registers while the interrupt runs (r2:r3 .. r8:r9 for lanes 0..3), the scan is
; unrolled and starts at the block for the number of active lanes (fw_scan_entry), and each
; lane has its own copy of the step code (absolute addresses, its own key register).
;
; The earliest candidate is then
;   * not due and far away: program OCR1A for it and leave;
;   * not due but close (FW_TIMER_MIN_TRY): wait for it here, leaving and coming back costs more;
;   * due: after a short window with interrupts enabled (the serial port) run it:
;     - a lane: step pin up, count down, next time = time + interval, step pin down once
;       step_pulse_ticks have passed;
;     - the list timer: C++ (fw_avr_run_generic) runs it like the generic dispatcher.
; With a single lane and nothing else due, a register-only burst loop steps it back to back.
;
; Rare events go to C++ with the keys written back to the lane records: the end of a move
; (fw_avr_lane_next), an interval that leaves the lane range (fw_avr_lane_migrate), and the
; repeat limit that lets tasks run (fw_avr_defer, which also checks for lateness). Every
; register is saved on entry, so C++ may use any.
;
; Registers across the loop: r2..r9 lane keys, r10:r11 key of the first list timer, r12:r13 key
; of the earliest candidate, r14:r15 scan entry, X code address of the earliest candidate's
; handler. Step code: Z step pin, r16 bit, r17 time of the step edge.

#include <avr/io.h>

#include "boards/avr/avr_lanes.h"

#define TCNT1L_A _SFR_MEM_ADDR(TCNT1L)
#define TCNT1H_A _SFR_MEM_ADDR(TCNT1H)
#define OCR1AL_A _SFR_MEM_ADDR(OCR1AL)
#define OCR1AH_A _SFR_MEM_ADDR(OCR1AH)
#define TIMSK1_A _SFR_MEM_ADDR(TIMSK1)
#define TIFR1_IO _SFR_IO_ADDR(TIFR1)
#define SREG_IO _SFR_IO_ADDR(SREG)
#define RAMPZ_IO _SFR_IO_ADDR(RAMPZ)

#define LANE(i) (fw_lanes + FW_LANE_SIZE * (i))

        .section .text.fw_timer_isr,"ax",@progbits

        .global TIMER1_COMPA_vect
        .type TIMER1_COMPA_vect, @function
TIMER1_COMPA_vect:
        push r0
        in r0, SREG_IO
        push r0
#ifdef RAMPZ
        in r0, RAMPZ_IO                 ; C++ code called from here may use ELPM
        push r0
#endif
        push r1
        clr r1
        push r2
        push r3
        push r4
        push r5
        push r6
        push r7
        push r8
        push r9
        push r10
        push r11
        push r12
        push r13
        push r14
        push r15
        push r16
        push r17
        push r18
        push r19
        push r20
        push r21
        push r22
        push r23
        push r24
        push r25
        push r26
        push r27
        push r28
        push r29
        push r30
        push r31
        ; No nested timer interrupt while this one runs (it lets others in between timers, and a
        ; compare match during a long run must not re-enter it).
        sts TIMSK1_A, r1
        clt                             ; T: a step pin waits to be lowered (see below)
        rcall load_state

loop:
        movw r12, r10                   ; earliest so far: the list timer
        ldi r26, pm_lo8(run_generic)
        ldi r27, pm_hi8(run_generic)
        movw r30, r14
        ijmp

; ---- the unrolled lane scan, lanes 3 .. 0 ----
.macro SCAN_LANE i, klo, khi
        .global fw_scan_l\i
        .type fw_scan_l\i, @function
fw_scan_l\i:
        cp \klo, r12
        cpc \khi, r13
        brpl 1f
        movw r12, \klo
        ldi r26, pm_lo8(lane_event_\i)
        ldi r27, pm_hi8(lane_event_\i)
1:
.endm
        SCAN_LANE 3, r8, r9
        SCAN_LANE 2, r6, r7
        SCAN_LANE 1, r4, r5
        SCAN_LANE 0, r2, r3

        .global fw_scan_done
        .type fw_scan_done, @function
fw_scan_done:
        brtc 2f
1:                                      ; end the pending step pulse (unstep_pending, inline)
        lds r19, TCNT1L_A
        sub r19, r17
        cp r19, r18
        brlo 1b
        st Y, r16
        clt
2:
        lds r24, TCNT1L_A
        lds r25, TCNT1H_A
        sub r24, r12
        sbc r25, r13
        brmi not_due
run_due:
        sei                             ; let the serial port in for a moment
        sbic TIFR1_IO, OCF1B
        rjmp defer
        cli
dispatch:
        movw r30, r26
        ijmp

; ---- the earliest candidate is not due yet (r24:r25 = now - key < 0) ----
not_due:
        cpi r24, lo8(-FW_TIMER_MIN_TRY)
        ldi r20, hi8(-FW_TIMER_MIN_TRY)
        cpc r25, r20
        brlt exit_set
spin:
        sei
        sbic TIFR1_IO, OCF1B
        rjmp defer
        cli
        lds r24, TCNT1L_A
        lds r25, TCNT1H_A
        sub r24, r12
        sbc r25, r13
        brmi spin
        rjmp dispatch

; ---- leaving ----
exit_set:
        rcall save_keys
        sts OCR1AH_A, r13
        sts OCR1AL_A, r12
        ldi r18, (1 << OCF1A)
        out TIFR1_IO, r18
exit:
        ldi r18, (1 << OCIE1A)
        sts TIMSK1_A, r18
        pop r31
        pop r30
        pop r29
        pop r28
        pop r27
        pop r26
        pop r25
        pop r24
        pop r23
        pop r22
        pop r21
        pop r20
        pop r19
        pop r18
        pop r17
        pop r16
        pop r15
        pop r14
        pop r13
        pop r12
        pop r11
        pop r10
        pop r9
        pop r8
        pop r7
        pop r6
        pop r5
        pop r4
        pop r3
        pop r2
        pop r1
#ifdef RAMPZ
        pop r0
        out RAMPZ_IO, r0
#endif
        pop r0
        out SREG_IO, r0
        pop r0
        reti

; The repeat limit: C++ checks lateness and whether tasks are waiting (then it has set OCR1A).
defer:
        cli
        rcall save_keys
        movw r24, r12
        call fw_avr_defer
        tst r24
        brne exit
        rcall load_state
        rjmp loop

run_generic:
        rcall save_keys
        call fw_avr_run_generic
        rcall load_state
        rjmp loop

lane_last:                              ; Y = lane, r17 = time of the step edge (pin still high)
        rcall save_keys
        movw r24, r28
        mov r22, r17
        call fw_avr_lane_next
        rcall load_state
        rjmp loop

lane_migrate:                           ; Y = lane, r17 = time of the step edge (pin still high)
        rcall save_keys
        movw r24, r28
        mov r22, r17
        call fw_avr_lane_migrate
        rcall load_state
        rjmp loop

; The step pulse of the last lane event ends here, once its step_pulse_ticks have passed: a lane
; event raises the pin and leaves Y = pin, r16 = bit, r17 = time of the edge, r18 = pulse ticks
; and T set, so the next scan runs while the pulse lasts.
unstep_pending:
        lds r19, TCNT1L_A
        sub r19, r17
        cp r19, r18
        brlo unstep_pending
        st Y, r16
        clt
        ret

; Keys, first list timer and scan entry, from memory (after anything may have changed them).
load_state:
        lds r30, fw_timer_list
        lds r31, fw_timer_list + 1
        ldd r10, Z + 2
        ldd r11, Z + 3
        lds r14, fw_scan_entry
        lds r15, fw_scan_entry + 1
        lds r2, LANE(0)
        lds r3, LANE(0) + 1
        lds r4, LANE(1)
        lds r5, LANE(1) + 1
        lds r6, LANE(2)
        lds r7, LANE(2) + 1
        lds r8, LANE(3)
        lds r9, LANE(3) + 1
        ret

; The keys back into the lane records (unused records just get stale values).
save_keys:
        sts LANE(0), r2
        sts LANE(0) + 1, r3
        sts LANE(1), r4
        sts LANE(1) + 1, r5
        sts LANE(2), r6
        sts LANE(2) + 1, r7
        sts LANE(3), r8
        sts LANE(3) + 1, r9
        ret

; ---- one step of lane i; r12:r13 is its key ----
.macro LANE_EVENT i, klo, khi
lane_event_\i:
        lds r30, LANE(\i) + FW_LANE_PIN
        lds r31, LANE(\i) + FW_LANE_PIN + 1
        lds r16, LANE(\i) + FW_LANE_BIT
        lds r17, TCNT1L_A
        st Z, r16                       ; step
        lds r24, LANE(\i) + FW_LANE_COUNT
        subi r24, 1
        brcs 3f                         ; the low byte borrowed
        breq 4f                         ; the low byte reached zero: last step?
1:
        sts LANE(\i) + FW_LANE_COUNT, r24
        lds r22, LANE(\i) + FW_LANE_INTERVAL
        lds r23, LANE(\i) + FW_LANE_INTERVAL + 1
        add r12, r22
        adc r13, r23
        brcs 5f
2:
        lds r18, LANE(\i) + FW_LANE_FLAGS
        sbrc r18, FW_LANE_F_ADD
        rjmp 6f
7:
        movw \klo, r12
        lds r18, LANE(\i) + FW_LANE_PULSE
        movw r28, r30                   ; unstep pending (fw_scan_done)
        set
        rjmp loop
3:                                      ; the count was a multiple of 256
        lds r25, LANE(\i) + FW_LANE_COUNT + 1
        dec r25
        sts LANE(\i) + FW_LANE_COUNT + 1, r25
        rjmp 1b
4:                                      ; done when the high byte is zero too
        lds r25, LANE(\i) + FW_LANE_COUNT + 1
        tst r25
        brne 1b
        ldi r28, lo8(LANE(\i))
        ldi r29, hi8(LANE(\i))
        rjmp lane_last
5:                                      ; the key wrapped: carry into the high half
        lds r18, LANE(\i) + FW_LANE_WAKE_HI
        lds r19, LANE(\i) + FW_LANE_WAKE_HI + 1
        subi r18, 0xff
        sbci r19, 0xff
        sts LANE(\i) + FW_LANE_WAKE_HI, r18
        sts LANE(\i) + FW_LANE_WAKE_HI + 1, r19
        rjmp 2b
6:                                      ; interval += add, while it stays in the lane range
        lds r20, LANE(\i) + FW_LANE_ADD
        lds r21, LANE(\i) + FW_LANE_ADD + 1
        add r22, r20
        adc r23, r21
        cpi r23, hi8(FW_LANE_MAX_INTERVAL)
        brsh 9f                         ; too long, or negative
        sts LANE(\i) + FW_LANE_INTERVAL, r22
        sts LANE(\i) + FW_LANE_INTERVAL + 1, r23
        rjmp 7b
9:
        movw \klo, r12
        ldi r28, lo8(LANE(\i))
        ldi r29, hi8(LANE(\i))
        rjmp lane_migrate
.endm
        LANE_EVENT 0, r2, r3
        LANE_EVENT 1, r4, r5
        LANE_EVENT 2, r6, r7
        LANE_EVENT 3, r8, r9

; ---- one active lane: burst mode (lane 0's key stays in r2:r3) ----
        .global fw_scan_one
        .type fw_scan_one, @function
fw_scan_one:
        brtc 1f
        rcall unstep_pending
1:
        cp r2, r12
        cpc r3, r13
        brmi 3f
        rjmp fw_scan_done               ; the list timer comes first
3:
        movw r12, r2
        ldi r26, pm_lo8(lane_event_0)
        ldi r27, pm_hi8(lane_event_0)
        lds r24, TCNT1L_A
        lds r25, TCNT1H_A
        sub r24, r12
        sbc r25, r13
        brpl 2f
        rjmp not_due
2:
        lds r18, LANE(0) + FW_LANE_FLAGS
        sbrc r18, FW_LANE_F_ADD
        rjmp run_due                    ; a changing interval: one step at a time
        lds r30, LANE(0) + FW_LANE_PIN
        lds r31, LANE(0) + FW_LANE_PIN + 1
        lds r16, LANE(0) + FW_LANE_BIT
        lds r18, LANE(0) + FW_LANE_PULSE
        lds r24, LANE(0) + FW_LANE_COUNT
        lds r25, LANE(0) + FW_LANE_COUNT + 1
        lds r22, LANE(0) + FW_LANE_INTERVAL
        lds r23, LANE(0) + FW_LANE_INTERVAL + 1
burst_step:
        sei
        sbic TIFR1_IO, OCF1B
        rjmp burst_defer
        cli
        lds r17, TCNT1L_A
        st Z, r16                       ; step
        sbiw r24, 1
        breq burst_last
        add r2, r22
        adc r3, r23
        brcs burst_carry
burst_carried:
        cp r2, r10
        cpc r3, r11
        brpl burst_leave                ; the list timer is next now
burst_guard:
        lds r19, TCNT1L_A
        sub r19, r17
        cp r19, r18
        brlo burst_guard
        st Z, r16                       ; unstep
burst_wait:
        lds r20, TCNT1L_A
        lds r21, TCNT1H_A
        sub r20, r2
        sbc r21, r3
        brpl burst_step
        cpi r20, lo8(-FW_TIMER_MIN_TRY)
        ldi r19, hi8(-FW_TIMER_MIN_TRY)
        cpc r21, r19
        brlt burst_far
        sei
        sbic TIFR1_IO, OCF1B
        rjmp burst_defer
        cli
        rjmp burst_wait

burst_save:                             ; the count back into the lane
        sts LANE(0) + FW_LANE_COUNT, r24
        sts LANE(0) + FW_LANE_COUNT + 1, r25
        ret

burst_far:
        rcall burst_save
        movw r12, r2
        rjmp exit_set

burst_leave:
        rcall burst_save
1:
        lds r19, TCNT1L_A
        sub r19, r17
        cp r19, r18
        brlo 1b
        st Z, r16                       ; unstep
        rjmp loop

burst_defer:                            ; before the step: nothing half done
        cli
        rcall burst_save
        movw r12, r2
        rjmp defer

burst_last:                             ; that was the last step of the move (pin still high)
        rcall burst_save
        ldi r28, lo8(LANE(0))
        ldi r29, hi8(LANE(0))
        rjmp lane_last

burst_carry:
        lds r19, LANE(0) + FW_LANE_WAKE_HI
        lds r20, LANE(0) + FW_LANE_WAKE_HI + 1
        subi r19, 0xff
        sbci r20, 0xff
        sts LANE(0) + FW_LANE_WAKE_HI, r19
        sts LANE(0) + FW_LANE_WAKE_HI + 1, r20
        rjmp burst_carried

        .size TIMER1_COMPA_vect, . - TIMER1_COMPA_vect
