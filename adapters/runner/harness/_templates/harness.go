// CodeMentor test harness for Go, compiled with the learner's file into one
// package main. It is kept to the language and library of Go 1.16 (remote
// engines run old toolchains). The runner generates a third file defining
// _cmEntry (the learner's function) and _cmConfig (base64 JSON naming the
// marker, the learner's file and each test's arguments). Records for the
// runner go to the original stdout as lines "<marker><JSON>\n"; everything
// else there is the learner's. Every name here starts with _cm so that it
// cannot clash with the learner's.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type _cmTest struct {
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

type _cmConf struct {
	Marker      string    `json:"marker"`
	File        string    `json:"file"`
	Entry       string    `json:"entry"`
	Tests       []_cmTest `json:"tests"`
	FileBytes   uint64    `json:"file_bytes"`
	MemoryBytes uint64    `json:"memory_bytes"`
	Remove      []string  `json:"remove"`
}

var (
	_cmMu   sync.Mutex
	_cmOut  *os.File
	_cmMark []byte
	_cmCfg  _cmConf
)

func _cmEmitRaw(rec []byte) {
	_cmMu.Lock()
	defer _cmMu.Unlock()
	line := make([]byte, 0, len(_cmMark)+len(rec)+1)
	line = append(line, _cmMark...)
	line = append(line, rec...)
	line = append(line, '\n')
	_cmOut.Write(line)
}

func _cmEmit(rec map[string]interface{}) {
	b, err := json.Marshal(rec)
	if err != nil {
		b = []byte(`{"e":"end","ok":false,"err":"harness: cannot encode a record"}`)
	}
	_cmEmitRaw(b)
}

func _cmLimit(resource int, n uint64) {
	if n == 0 {
		return
	}
	var cur syscall.Rlimit
	if syscall.Getrlimit(resource, &cur) == nil && cur.Max < n {
		n = cur.Max
	}
	syscall.Setrlimit(resource, &syscall.Rlimit{Cur: n, Max: n})
}

func main() {
	raw, err := base64.StdEncoding.DecodeString(_cmConfig)
	if err == nil {
		err = json.Unmarshal(raw, &_cmCfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness: bad configuration:", err)
		os.Exit(70)
	}
	// The toolchain needed more room than the learner's code gets.
	_cmLimit(syscall.RLIMIT_FSIZE, _cmCfg.FileBytes)
	_cmLimit(syscall.RLIMIT_DATA, _cmCfg.MemoryBytes)
	if _cmCfg.MemoryBytes > 0 {
		// Runaway recursion is a stack overflow (a crash), not a memory limit.
		stack := _cmCfg.MemoryBytes / 4
		if stack < 16<<20 {
			stack = 16 << 20
		}
		debug.SetMaxStack(int(stack))
	}
	for _, f := range _cmCfg.Remove {
		os.Remove(f)
	}
	_cmOut = os.Stdout
	_cmMark = []byte(_cmCfg.Marker)
	_cmEmit(map[string]interface{}{"e": "start"})

	fn := reflect.ValueOf(_cmEntry)
	if fn.Kind() != reflect.Func {
		_cmEmit(map[string]interface{}{"e": "compile", "msg": _cmCfg.File + ": " + _cmCfg.Entry + " is not a function"})
		os.Exit(0)
	}
	ft := fn.Type()
	errType := reflect.TypeOf((*error)(nil)).Elem()
	if !(ft.NumOut() == 1 || (ft.NumOut() == 2 && ft.Out(1) == errType)) {
		_cmEmit(map[string]interface{}{"e": "compile", "msg": _cmCfg.File + ": " + _cmCfg.Entry + " must return one value, or a value and an error"})
		os.Exit(0)
	}
	_cmEmit(map[string]interface{}{"e": "ready"})

	for i, t := range _cmCfg.Tests {
		_cmEmit(map[string]interface{}{"e": "begin", "i": i})
		v, errMsg, ns := _cmRun(i, fn, t)
		if errMsg == "" {
			_cmEmitRaw([]byte(`{"e":"end","i":` + strconv.Itoa(i) + `,"ok":true,"ns":` + strconv.FormatInt(ns, 10) + `,"v":` + string(v) + `}`))
		} else {
			_cmEmit(map[string]interface{}{"e": "end", "i": i, "ok": false, "ns": ns, "err": errMsg})
		}
	}
	_cmEmit(map[string]interface{}{"e": "done"})
	// Goroutines the learner left behind must not keep the run alive.
	os.Exit(0)
}

// _cmRun makes one test call, with what it prints to os.Stdout streamed as
// "out" records so that output printed before a hang is kept.
func _cmRun(i int, fn reflect.Value, t _cmTest) (result []byte, errMsg string, ns int64) {
	ft := fn.Type()
	var args []json.RawMessage
	if err := json.Unmarshal(t.Args, &args); err != nil {
		return nil, "the test's arguments are not a JSON array", 0
	}
	n := ft.NumIn()
	if (!ft.IsVariadic() && len(args) != n) || (ft.IsVariadic() && len(args) < n-1) {
		return nil, fmt.Sprintf("%s takes %d arguments, the test gives %d", _cmCfg.Entry, n, len(args)), 0
	}
	in := make([]reflect.Value, len(args))
	for k, a := range args {
		var pt reflect.Type
		if ft.IsVariadic() && k >= n-1 {
			pt = ft.In(n - 1).Elem()
		} else {
			pt = ft.In(k)
		}
		p := reflect.New(pt)
		if err := json.Unmarshal(a, p.Interface()); err != nil {
			return nil, fmt.Sprintf("argument %d: cannot use %s as %s: %v", k+1, _cmShort(string(a)), pt, err), 0
		}
		in[k] = p.Elem()
	}

	orig := os.Stdout
	r, w, err := os.Pipe()
	done := make(chan struct{})
	if err == nil {
		os.Stdout = w
		go func() {
			defer close(done)
			buf := make([]byte, 4096)
			for {
				m, rerr := r.Read(buf)
				if m > 0 {
					_cmEmit(map[string]interface{}{"e": "out", "i": i, "d": string(buf[:m])})
				}
				if rerr != nil {
					return
				}
			}
		}()
	} else {
		close(done)
	}
	start := time.Now()
	outs, panicMsg := _cmCall(fn, in)
	ns = time.Since(start).Nanoseconds()
	os.Stdout = orig
	if w != nil {
		w.Close()
		<-done
		r.Close()
	}
	if panicMsg != "" {
		return nil, panicMsg, ns
	}
	if len(outs) == 2 && !outs[1].IsNil() {
		return nil, "error: " + outs[1].Interface().(error).Error(), ns
	}
	norm, err := _cmNormalize(outs[0], 0)
	if err == nil {
		result, err = json.Marshal(norm)
	}
	if err != nil {
		return nil, "result is not JSON-serialisable: " + err.Error(), ns
	}
	return result, "", ns
}

func _cmCall(fn reflect.Value, in []reflect.Value) (out []reflect.Value, panicMsg string) {
	defer func() {
		if r := recover(); r != nil {
			panicMsg = fmt.Sprintf("panic: %v", r) + _cmWhere()
		}
	}()
	return fn.Call(in), ""
}

// _cmWhere lists the frames of the learner's file on the panicking stack.
func _cmWhere() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	var b strings.Builder
	count := 0
	for {
		f, more := frames.Next()
		file := f.File
		if k := strings.LastIndexByte(file, '/'); k >= 0 {
			file = file[k+1:]
		}
		if file == _cmCfg.File && count < 5 {
			name := f.Function
			if k := strings.LastIndexByte(name, '.'); k >= 0 {
				name = name[k+1:]
			}
			fmt.Fprintf(&b, "\n    at %s (%s:%d)", name, file, f.Line)
			count++
		}
		if !more {
			break
		}
	}
	return b.String()
}

func _cmShort(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

var _cmMarshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()

// _cmNormalize turns a value into what encoding/json writes the way the
// exercises expect: nil slices and maps become [] and {}, []byte a list of
// numbers, and values without a JSON form are errors.
func _cmNormalize(v reflect.Value, depth int) (interface{}, error) {
	if depth > 10000 {
		return nil, fmt.Errorf("the value is nested too deeply")
	}
	if !v.IsValid() {
		return nil, nil
	}
	if v.Kind() != reflect.Interface && v.Type().Implements(_cmMarshaler) && v.CanInterface() {
		if v.Kind() == reflect.Ptr && v.IsNil() {
			return nil, nil
		}
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return nil, err
		}
		return json.RawMessage(b), nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Ptr:
		if v.IsNil() {
			return nil, nil
		}
		return _cmNormalize(v.Elem(), depth+1)
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint(), nil
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v has no JSON form", f)
		}
		if v.Kind() == reflect.Float32 {
			return float32(f), nil
		}
		return f, nil
	case reflect.String:
		return v.String(), nil
	case reflect.Slice, reflect.Array:
		out := make([]interface{}, v.Len())
		for k := range out {
			e, err := _cmNormalize(v.Index(k), depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = e
		}
		return out, nil
	case reflect.Map:
		out := make(map[string]interface{}, v.Len())
		for _, k := range v.MapKeys() {
			e, err := _cmNormalize(v.MapIndex(k), depth+1)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k.Interface())] = e
		}
		return out, nil
	case reflect.Struct:
		out := map[string]interface{}{}
		if err := _cmStruct(v, out, depth); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %s has no JSON form", v.Type())
}

func _cmStruct(v reflect.Value, out map[string]interface{}, depth int) error {
	t := v.Type()
	for k := 0; k < t.NumField(); k++ {
		f := t.Field(k)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts := tag, ""
		if c := strings.IndexByte(tag, ','); c >= 0 {
			name, opts = tag[:c], tag[c:]
		}
		fv := v.Field(k)
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			if err := _cmStruct(fv, out, depth+1); err != nil {
				return err
			}
			continue
		}
		if f.PkgPath != "" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(opts, "omitempty") && _cmEmpty(fv) {
			continue
		}
		e, err := _cmNormalize(fv, depth+1)
		if err != nil {
			return err
		}
		if strings.Contains(opts, "string") {
			if b, err := json.Marshal(e); err == nil && !bytes.HasPrefix(b, []byte(`"`)) {
				e = string(b)
			}
		}
		out[name] = e
	}
	return nil
}

func _cmEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Interface, reflect.Ptr:
		return v.IsNil()
	}
	return v.IsZero()
}
