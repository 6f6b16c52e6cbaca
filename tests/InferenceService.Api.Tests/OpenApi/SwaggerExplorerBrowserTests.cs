using InferenceService.Api.Tests.TestSupport;
using Microsoft.Playwright;

namespace InferenceService.Api.Tests.OpenApi;

/// <summary>
/// The explorer at /swagger in a real browser (the distribution's chromium, through Playwright) against the service
/// running as its own process: POST /predict tried out with the iris example gives a prediction, and the V2 infer
/// route of iris shows the model's own schema. A screenshot of the page goes to the test output (screenshots/).
/// </summary>
public class SwaggerExplorerBrowserTests
{
    private static readonly string s_screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Fact]
    public async Task Explorer_PredictTriedWithTheIrisExample_ShowsThePredictionAndTheModelsSchema()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string> { ["ModelRepository__Path"] = TestPaths.SampleModels });
        await service.WaitUntilReadyAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = SystemChromium.Find(),
            Headless = true,
            // Root in a container has no user namespaces for chromium's sandbox; the page is our own, on loopback.
            ChromiumSandbox = false,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 2000 } });
        page.SetDefaultTimeout(30_000);
        Directory.CreateDirectory(s_screenshots);
        try
        {
            await page.GotoAsync(new Uri(service.BaseAddress, "/swagger/index.html").ToString());

            // POST /predict: expand, Try it out, pick the iris example, Execute.
            var predict = page.Locator("#operations-Predict-Predict");
            await predict.Locator(".opblock-summary").ClickAsync();
            await predict.Locator("button.try-out__btn").ClickAsync();
            await predict.Locator(".examples-select select").SelectOptionAsync(new SelectOptionValue { Value = "iris" });
            await Assertions.Expect(predict.Locator("textarea.body-param__text")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("\"model\": \"iris\""));
            await predict.Locator("button.execute").ClickAsync();
            var answer = predict.Locator(".live-responses-table .response-col_description .highlight-code").First;
            await Assertions.Expect(answer).ToContainTextAsync("\"labels\"");
            var text = await answer.InnerTextAsync();
            Assert.Contains("\"model\": \"iris\"", text, StringComparison.Ordinal);
            Assert.Contains(["setosa", "versicolor", "virginica"], label => text.Contains($"\"{label}\"", StringComparison.Ordinal));
            Assert.Equal("200", (await predict.Locator(".live-responses-table tbody .response-col_status").First.InnerTextAsync()).Trim());

            // The V2 infer route of iris carries the model's own request schema.
            var infer = page.Locator("#operations-Models-Infer_Model_iris");
            await infer.Locator(".opblock-summary").ClickAsync();
            await Assertions.Expect(infer.Locator(".body-param__example, .microlight").First).ToContainTextAsync("\"FP32\"");
            await infer.Locator("button[data-name='model']").First.ClickAsync();
            await Assertions.Expect(infer.Locator(".model-box").First).ToContainTextAsync("Model_iris_InferenceRequest");
        }
        finally
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(s_screenshots, "swagger-explorer.png"), FullPage = true });
        }
    }
}
