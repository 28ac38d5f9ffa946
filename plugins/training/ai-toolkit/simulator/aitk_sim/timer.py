"""toolkit/timer.py: the periodic timing report (hidden when IS_AI_TOOLKIT_UI=1) and its print hooks."""

import os
import time
from collections import OrderedDict, deque


class Timer:
    def __init__(self, name="Timer", max_buffer=10):
        self.name = name
        self.max_buffer = max_buffer
        self.timers = OrderedDict()
        self.active_timers = {}
        self._after_print_hooks = []

    def start(self, timer_name):
        if timer_name not in self.timers:
            self.timers[timer_name] = deque(maxlen=self.max_buffer)
        self.active_timers[timer_name] = time.time()

    def stop(self, timer_name):
        if timer_name not in self.active_timers:
            return
        self.timers[timer_name].append(time.time() - self.active_timers.pop(timer_name))

    def record(self, timer_name, seconds):
        if timer_name not in self.timers:
            self.timers[timer_name] = deque(maxlen=self.max_buffer)
        self.timers[timer_name].append(seconds)

    def add_after_print_hook(self, hook):
        self._after_print_hooks.append(hook)

    def print(self):
        is_ui = os.environ.get("IS_AI_TOOLKIT_UI", "0") == "1"
        if not is_ui:
            print(f"\nTimer '{self.name}':")
        timing_dict = {}
        for timer_name, timings in sorted(self.timers.items(), key=lambda x: sum(x[1]), reverse=True):
            if not timings:
                continue
            avg_time = sum(timings) / len(timings)
            if not is_ui:
                print(f" - {avg_time:.4f}s avg - {timer_name}, num = {len(timings)}")
            timing_dict[timer_name] = avg_time
        for hook in self._after_print_hooks:
            hook(timing_dict)
        if not is_ui:
            print("")

    def reset(self):
        self.timers.clear()
        self.active_timers.clear()
