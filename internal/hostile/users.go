package hostile

import (
	"bytes"
	"encoding/binary"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// userCases returns the cases about users spelled to hide root: an image
// config User that a runtime reads as uid 0 (Atoi accepts "00", "+0" and
// "-0"; uint32 wraps 4294967296 to 0), and names that the image's own
// /etc/passwd maps to uid 0, once or on the last of two lines for one
// name. Each is a one-layer OCI layout whose entrypoint is a tiny static
// program that only waits, so verify really runs it under runc and reads
// the uid the process got. Scan must report SW200; verify must fail its
// non-root check.
func userCases() []Case {
	want := Want{ScanRules: []string{"SW200"}, VerifyFails: []string{"non-root"}}
	basePasswd := "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	c := func(name, user, passwd string) Case {
		return Case{Name: name, Class: "user", Want: want, Build: func(dir string) (string, error) {
			return userImage(dir, user, passwd)
		}}
	}
	return []Case{
		c("user-double-zero", "00", basePasswd),
		c("user-plus-zero", "+0", basePasswd),
		c("user-minus-zero", "-0", basePasswd),
		c("user-wraps-to-zero", "4294967296", basePasswd),
		c("user-zero-zero", "0:0", basePasswd),
		c("user-zeros-with-group", "0000:65532", basePasswd),
		c("user-empty-with-group", ":65532", basePasswd),
		c("user-name-mapped-to-root", "toor", basePasswd+"toor:x:0:0::/:/sbin/nologin\n"),
		c("user-duplicate-passwd-last-root", "app", basePasswd+"app:x:10001:10001::/:/sbin/nologin\napp:x:0:0::/:/sbin/nologin\n"),
	}
}

// userImage writes an OCI layout under dir holding one image: /etc/passwd,
// /etc/group and /wait, run as user.
func userImage(dir, user, passwd string) (string, error) {
	tr, err := Tar(
		Dir("etc/", 0o755),
		File("etc/passwd", 0o644, passwd),
		File("etc/group", 0o644, "root:x:0:\nnonroot:x:65532:\napp:x:10001:\n"),
		File("wait", 0o755, string(waitELF())),
	)
	if err != nil {
		return "", err
	}
	img, err := Image("", tr)
	if err != nil {
		return "", err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return "", err
	}
	cf = cf.DeepCopy()
	cf.Config = v1.Config{User: user, Entrypoint: []string{"/wait"}}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return "", err
	}
	return WriteLayout(dir, "layout", img)
}

// waitELF is a static linux/amd64 executable of one loop, pause(2) and
// again: a process that stays up until it is killed, with no libc, no
// shell and no setuid bit. It is the ELF header, one PT_LOAD program
// header mapping the file at 0x400000, and 9 bytes of code.
func waitELF() []byte {
	const base, hdr, phdr = 0x400000, 64, 56
	code := []byte{
		0xb8, 0x22, 0x00, 0x00, 0x00, // mov eax, 34 (pause)
		0x0f, 0x05, // syscall
		0xeb, 0xf7, // jmp back to mov
	}
	size := uint64(hdr + phdr + len(code))
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	for _, v := range []any{
		uint16(2), uint16(0x3e), uint32(1), // ET_EXEC, EM_X86_64, EV_CURRENT
		uint64(base + hdr + phdr), uint64(hdr), uint64(0), // entry, phoff, shoff
		uint32(0), uint16(hdr), uint16(phdr), uint16(1), uint16(0), uint16(0), uint16(0), // flags, sizes, counts
		uint32(1), uint32(5), // PT_LOAD, R+X
		uint64(0), uint64(base), uint64(base), size, size, uint64(0x1000),
	} {
		_ = binary.Write(&b, le, v)
	}
	b.Write(code)
	return b.Bytes()
}
