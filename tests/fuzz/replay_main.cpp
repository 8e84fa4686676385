// Runs a fuzz target over files without libFuzzer, so the seed corpora and every input that
// once crashed are replayed by the ordinary test suite (GCC, and the ASan + UBSan build).
//
//   fuzz_replay_NAME DIR_OR_FILE...

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool run_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return false;
    }
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                  std::istreambuf_iterator<char>()};
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    return true;
}

} // namespace

int main(int argc, char** argv) {
    int files = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        if (std::filesystem::is_directory(arg)) {
            for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
                if (entry.is_regular_file() && entry.path().filename() != "README.md") {
                    ok = run_file(entry.path()) && ok;
                    ++files;
                }
            }
        } else if (std::filesystem::exists(arg)) {
            ok = run_file(arg) && ok;
            ++files;
        }
    }
    std::printf("%d inputs replayed\n", files);
    // An empty corpus means the paths are wrong: a replay that checks nothing must fail.
    return ok && files > 0 ? 0 : 1;
}
