#!/usr/bin/env python3
"""Our firmware data dictionaries against Klipper's (../shared/golden/klipper/dict): every
command and response we declare must exist in Klipper's dictionary for the same chip with the
same format (so Klipper's host can drive our firmware), our static strings and enumerations must
agree where both have them, and the board constants Klipper's host reads must be present.

usage: dict_compat_test.py BUILD_DIR GOLDEN_DICT_DIR
"""
import json
import os
import sys

# our image -> Klipper dictionary of the same chip and link
PAIRS = {
    "atmega2560": "atmega2560.dict", "atmega1280": "atmega1280.dict",
    "atmega644p": "atmega644p.dict", "atmega1284p": "atmega1284p.dict",
    "stm32f103": "stm32f103.dict", "stm32f103-serial": "stm32f103-serial.dict",
    "stm32f407": "stm32f407.dict", "stm32f407-serial": "stm32f407.dict",
    "linux": "linuxprocess.dict", "sim": "hostsimulator.dict",
}
# Constants the host reads, per kind of board.
REQUIRED = ["CLOCK_FREQ", "STATS_SUMSQ_BASE", "STEPPER_STEP_BOTH_EDGE"]
CHIP_REQUIRED = ["MCU", "ADC_MAX", "PWM_MAX"]


def main():
    build, golden = sys.argv[1:3]
    checked = 0
    errors = []
    # Every format of every Klipper dictionary: the sim board may offer commands Klipper's own
    # simulator lacks (I2C, config_reset), but they must be Klipper's, with Klipper's format.
    anywhere = {}
    for name in os.listdir(golden):
        if name.endswith(".dict"):
            d = json.load(open(os.path.join(golden, name)))
            for m in list(d["commands"]) + list(d["responses"]):
                anywhere[m.split()[0]] = m
    for ours_name, theirs_name in PAIRS.items():
        path = os.path.join(build, "firmware", ours_name, "klipper.dict")
        if not os.path.exists(path):
            continue  # image not built here (toolchain missing)
        ours = json.load(open(path))
        theirs = json.load(open(os.path.join(golden, theirs_name)))
        tfmt = {m.split()[0]: m for m in list(theirs["commands"]) + list(theirs["responses"])}
        for section in ("commands", "responses"):
            for fmt in ours[section]:
                name = fmt.split()[0]
                if ours_name == "sim" and name not in tfmt and anywhere.get(name) == fmt:
                    continue
                if name not in tfmt:
                    errors.append("%s: %s not in Klipper's %s" % (ours_name, name, theirs_name))
                elif tfmt[name] != fmt:
                    errors.append("%s: format '%s' differs from Klipper's '%s'"
                                  % (ours_name, fmt, tfmt[name]))
        for key in REQUIRED + (CHIP_REQUIRED if ours_name != "sim" else []):
            if key not in ours["config"]:
                errors.append("%s: constant %s missing" % (ours_name, key))
        for key in ("CLOCK_FREQ", "MCU", "ADC_MAX", "PWM_MAX", "SERIAL_BAUD"):
            if key in ours["config"] and key in theirs["config"] and ours_name != "sim" and \
                    ours["config"][key] != theirs["config"][key]:
                errors.append("%s: %s is %s, Klipper's %s" % (ours_name, key, ours["config"][key],
                                                              theirs["config"][key]))
        ten = theirs["enumerations"]
        for enum, values in ours["enumerations"].items():
            if enum == "static_string_id":
                continue  # ids are assigned per build; the texts are compared below
            if enum not in ten:
                if ours_name != "sim":
                    errors.append("%s: enumeration %s not in Klipper's" % (ours_name, enum))
                continue
            for key, value in values.items():
                if key in ten[enum] and ten[enum][key] != value:
                    errors.append("%s: %s %s = %s, Klipper's %s" % (ours_name, enum, key, value,
                                                                    ten[enum][key]))
        unknown = set(ours["enumerations"].get("static_string_id", {})) - \
            set(ten.get("static_string_id", {}))
        for text in sorted(unknown):
            print("note: %s: shutdown reason not in Klipper's dictionary: %s" % (ours_name, text))
        checked += 1
    for e in errors:
        print("FAIL: " + e)
    print("%d dictionaries checked, %d problems" % (checked, len(errors)))
    sys.exit(1 if errors or not checked else 0)


if __name__ == "__main__":
    main()
