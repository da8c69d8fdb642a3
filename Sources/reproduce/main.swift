import Foundation
import Harness

// Pin OpenBLAS's kernel first: the library is already loaded, so this may re-execute the process.
let arguments = Array(CommandLine.arguments.dropFirst())
BLASKernel.pinByReexecuting(nativeRequested: Reproduce.requestsNativeBLAS(arguments))
MemoryTuning.apply()
// Past a file-size limit (`ulimit -f`) a write then fails with EFBIG and is reported like a full
// disk, instead of the signal killing the run between two files.
signal(SIGXFSZ, SIG_IGN)
exit(Reproduce.invoke(arguments, environment: .live()))
