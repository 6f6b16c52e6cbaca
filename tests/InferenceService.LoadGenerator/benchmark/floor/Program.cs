// The bare Kestrel floor: what ASP.NET Core itself costs for one Open Inference Protocol infer request on this machine.
// The infer route reads the request body to its end and throws it away, then answers a fixed response of 10 floats
// (the service's answer to one MLP request, byte for byte). No parsing, no model, no middleware, no per-request
// logging: the service can only be slower than this, and run-comparison-benchmark.sh reports its throughput as a
// fraction of this one's. The host is the service's (WebApplication.CreateBuilder, Kestrel's defaults: HTTP/1.1 on the
// loopback address given with --urls).
// The ready and metadata routes are there for the load generator, which checks that the model is ready and generates
// its request body from the metadata: this is the service's metadata for mlp_unbatched, so the body is the same bytes.
using System.Text;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();

var metadata = Encoding.UTF8.GetBytes(
    """{"name":"mlp_unbatched","versions":["1"],"platform":"onnx_onnxv1","inputs":[{"name":"input","datatype":"FP32","shape":[-1,64]}],"outputs":[{"name":"logits","datatype":"FP32","shape":[-1,10]}]}""");
var answer = Encoding.UTF8.GetBytes(
    """{"model_name":"mlp_unbatched","model_version":"1","id":"01a2310346d971f79fc2fddc286af212","outputs":[{"name":"logits","datatype":"FP32","shape":[1,10],"data":[-0.34653726,0.5918305,-0.19729048,0.42341208,0.18680565,0.31485447,0.2377938,-0.05960257,-0.63563746,-0.84119153]}]}""");

app.MapGet("/v2/models/{model}/ready", () => Results.Ok());
app.MapGet("/v2/models/{model}", () => Results.Bytes(metadata, "application/json"));
app.MapPost("/v2/models/{model}/infer", async (HttpContext context) =>
{
    var body = context.Request.BodyReader;
    while (true)
    {
        var read = await body.ReadAsync(context.RequestAborted);
        body.AdvanceTo(read.Buffer.End);
        if (read.IsCompleted)
        {
            break;
        }
    }
    context.Response.ContentType = "application/json";
    context.Response.ContentLength = answer.Length;
    await context.Response.Body.WriteAsync(answer, context.RequestAborted);
});

app.Run();
