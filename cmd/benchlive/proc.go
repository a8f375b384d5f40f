package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is a process's memory and CPU time at one moment.
type usage struct {
	at     time.Time
	rssKiB int64         // resident set (VmRSS)
	hwmKiB int64         // peak resident set so far (VmHWM)
	cpu    time.Duration // user + system
}

// meter samples the server process (from /proc, when its pid is known), this one and the
// whole machine.
type meter struct {
	pid  int
	tick time.Duration // a clock tick of /proc/PID/stat
}

// sample is both processes and the whole machine at one moment; server is zero without a pid.
type sample struct {
	server  usage
	self    usage
	machine usage // CPU time of every process and interrupt (/proc/stat), zero when unknown
}

func newMeter(pid int) *meter {
	return &meter{pid: pid, tick: time.Second / time.Duration(clockTicks())}
}

// clockTicks is the kernel's USER_HZ (getconf CLK_TCK), 100 on Linux unless told otherwise.
func clockTicks() int {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 100
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || n <= 0 {
		return 100
	}
	return n
}

// take samples both processes and the machine now.
func (m *meter) take() (sample, error) {
	s := sample{self: selfUsage(), machine: m.machineUsage()}
	if m.pid != 0 {
		var err error
		if s.server, err = m.procUsage(m.pid); err != nil {
			return s, err
		}
	}
	return s, nil
}

// procUsage reads a process's memory from /proc/PID/status and its CPU time from
// /proc/PID/stat.
func (m *meter) procUsage(pid int) (usage, error) {
	u := usage{at: time.Now()}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, fmt.Errorf("server memory: %w", err)
	}
	for line := range strings.Lines(string(status)) {
		name, value, _ := strings.Cut(line, ":")
		switch name {
		case "VmRSS":
			u.rssKiB = kib(value)
		case "VmHWM":
			u.hwmKiB = kib(value)
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, fmt.Errorf("server CPU: %w", err)
	}
	// The command name, field 2, is in parentheses and may hold spaces; utime and stime are
	// fields 14 and 15, the 12th and 13th after it.
	i := bytes.LastIndexByte(stat, ')')
	var fields []string
	if i >= 0 {
		fields = strings.Fields(string(stat[i+1:]))
	}
	if len(fields) < 13 {
		return u, fmt.Errorf("server CPU: cannot read /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return u, fmt.Errorf("server CPU: cannot read /proc/%d/stat", pid)
	}
	u.cpu = time.Duration(utime+stime) * m.tick
	return u, nil
}

// machineUsage is the CPU time the whole machine has spent busy, from the first line of
// /proc/stat (user, nice, system, idle, iowait, irq, softirq, steal, …); zero when unreadable.
func (m *meter) machineUsage() usage {
	u := usage{at: time.Now()}
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return u
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return u
	}
	var busy int64
	for i, f := range fields[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(f, 10, 64)
		busy += n
	}
	u.cpu = time.Duration(busy) * m.tick
	return u
}

// kib reads a /proc/PID/status size such as "  123456 kB".
func kib(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(s), " kB"), 10, 64)
	return n
}

// selfUsage is this process's CPU time and peak memory (getrusage).
func selfUsage() usage {
	u := usage{at: time.Now()}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return u
	}
	u.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	u.hwmKiB = ru.Maxrss // KiB on Linux
	return u
}

// cpuShare is the CPU time used between two samples, in seconds and in percent of one core.
type cpuShare struct {
	Seconds float64 `json:"seconds"`
	Percent float64 `json:"percent_of_one_core"`
}

func share(from, to usage) cpuShare {
	wall := to.at.Sub(from.at)
	if wall <= 0 {
		return cpuShare{}
	}
	cpu := (to.cpu - from.cpu).Seconds()
	return cpuShare{Seconds: math.Round(cpu*1000) / 1000, Percent: math.Round(1000*cpu/wall.Seconds()) / 10}
}

// busy tells whether the rest of the machine used enough CPU to skew the figures: more than
// 10 % of a core, and more than the clock ticks that count it can get wrong in a short phase.
func (c cpuShare) busy() bool { return c.Percent > 10 && c.Seconds >= 0.2 }

// restOfMachine is the CPU time the machine spent on neither process between two samples. The
// kernel counts the machine's time in ticks and a process's more finely: a quiet machine may
// come out a little below zero, shown as zero.
func restOfMachine(from, to sample) cpuShare {
	busy := to.machine.cpu - from.machine.cpu
	ours := (to.server.cpu - from.server.cpu) + (to.self.cpu - from.self.cpu)
	return share(from.machine, usage{at: to.machine.at, cpu: from.machine.cpu + max(busy-ours, 0)})
}
