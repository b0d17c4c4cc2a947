package io.emp.monitor.browser;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven by its chromedriver — both from the system packages, never
 * downloaded (Selenium Manager is not involved: the driver executable and the browser binary are
 * given explicitly). One per test class; waits are explicit conditions with generous timeouts.
 */
final class Browser implements AutoCloseable {
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  static final Duration WAIT = Duration.ofSeconds(30);

  private final ChromeDriverService service;
  private final ChromeDriver driver;

  private Browser(ChromeDriverService service, ChromeDriver driver) {
    this.service = service;
    this.driver = driver;
  }

  static Browser start() {
    for (String path : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(Path.of(path))) {
        throw new IllegalStateException(path + " is missing: the browser tests drive Debian's headless Chromium."
          + " Install it with: apt-get install -y chromium chromium-driver");
      }
    }
    ChromeDriverService service = new ChromeDriverService.Builder()
      .usingDriverExecutable(new File(CHROMEDRIVER))
      .usingAnyFreePort()
      .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--window-size=1600,1000", "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    return new Browser(service, driver);
  }

  WebDriver driver() {
    return driver;
  }

  void open(String url) {
    driver.get(url);
  }

  /** Signs in with {@code token} from the login form. */
  void login(String token) {
    WebElement input = await(By.cssSelector("[data-testid=login-token]"));
    input.clear();
    input.sendKeys(token);
    find("login-submit").click();
  }

  /** Waits until the connection badge says live. */
  void awaitLive() {
    try {
      until(d -> "live".equals(find("conn-state").getDomAttribute("data-state")), WAIT, "the page to be live");
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("the page did not get live; it shows \"" + find("conn-state").getText()
        + "\"; browser console errors: " + consoleErrors(), e);
    }
  }

  WebElement find(String testId) {
    return driver.findElement(By.cssSelector("[data-testid=\"" + testId + "\"]"));
  }

  List<WebElement> findAll(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  WebElement await(By by) {
    return until(d -> {
      List<WebElement> found = d.findElements(by);
      return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
    }, WAIT, "element " + by);
  }

  /** Waits for a condition; the message names what was awaited when it times out. */
  <T> T until(Function<WebDriver, T> condition, Duration timeout, String what) {
    WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(100));
    wait.withMessage("waiting for " + what);
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return wait.until(condition::apply);
  }

  Object js(String script, Object... args) {
    return driver.executeScript(script, args);
  }

  Object jsAsync(String script, Object... args) {
    return driver.executeAsyncScript(script, args);
  }

  void view(String name) {
    find("nav-" + name).click();
    until(d -> find("view-" + name).isDisplayed(), WAIT, "view " + name);
  }

  /** Clicks the confirm button of the page's confirmation dialog. */
  void confirm() {
    await(By.cssSelector("[data-testid=confirm-ok]")).click();
    until(d -> d.findElements(By.cssSelector("[data-testid=confirm-ok]")).isEmpty(), WAIT, "the dialog to close");
  }

  List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
      .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
      .map(LogEntry::getMessage)
      .toList();
  }

  void screenshot(Path file) throws java.io.IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
    }
  }
}
